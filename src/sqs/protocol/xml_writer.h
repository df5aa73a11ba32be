// Just enough XML writing for the query protocol's responses: escaped text and elements.
#pragma once

#include <string>
#include <string_view>

namespace sluice::sqs::protocol {

// Appends `text` escaped for XML character data or attribute values. '\r' becomes "&#xD;"
// because an XML parser would otherwise normalise it to '\n' and change a message body (and
// its MD5). Control characters that XML 1.0 cannot carry at all become U+FFFD; valid bodies
// never contain them (validation rejects them), but error messages may quote raw input.
void append_xml_escaped(std::string& out, std::string_view text);

// Appends <name>escaped text</name>.
void append_xml_element(std::string& out, std::string_view name, std::string_view text);

}  // namespace sluice::sqs::protocol
