// What a command prints: the same result as an aligned table for people or as JSON for
// scripts (`--format json`).
#pragma once

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

}  // namespace sluice::cli
