// What a command prints: the same result as an aligned table for people or as JSON for
// scripts (`--format json`).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sluice::cli {

enum class Format { kTable, kJson };

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
};

// Columns padded to their widest cell; headers upper-cased, as rpk and kubectl print them.
std::string render_table(const Table& table);

// Prints `json` (pretty, one document) or `table`.
void emit(Format format, const nlohmann::json& json, const Table& table);

// A JSON value as a table cell: strings bare, null empty, the rest as JSON text.
std::string cell(const nlohmann::json& value);

// A byte count for people: "512 B", "1.5 KiB", "20.0 MiB", "3.2 GiB".
std::string format_bytes(int64_t bytes);

}  // namespace sluice::cli
