#include "cli/output.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>

namespace sluice::cli {

std::string render_table(const Table& table) {
  std::vector<size_t> widths(table.headers.size(), 0);
  auto widen = [&widths](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  };
  widen(table.headers);
  for (const auto& row : table.rows) widen(row);
  std::string out;
  auto append_row = [&](const std::vector<std::string>& row, bool upper) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      std::string text = i < row.size() ? row[i] : "";
      if (upper) std::transform(text.begin(), text.end(), text.begin(), ::toupper);
      line += text;
      if (i + 1 < widths.size()) line += std::string(widths[i] - text.size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  append_row(table.headers, true);
  for (const auto& row : table.rows) append_row(row, false);
  return out;
}

void emit(Format format, const nlohmann::json& json, const Table& table) {
  if (format == Format::kJson) {
    std::cout << json.dump(2) << "\n";
  } else {
    std::cout << render_table(table);
  }
}

std::string cell(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

std::string format_bytes(int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f %s", value, kUnits[unit]);
  return text;
}

}  // namespace sluice::cli
