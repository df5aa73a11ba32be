#!/usr/bin/python3
"""Generates Sluice's Kafka message codecs from Kafka's own JSON message schemas.

Regenerate after changing this script or the schemas, from the repository root:

    /usr/bin/python3 tools/kafka_codegen.py

(schemas from /work/shared/kafka-protocol and tools/kafka-schemas, output to
src/kafka/protocol/messages; --schemas DIR, repeatable, and --out override them).

The output (one <snake_case_name>.h/.cc per message, plus message_versions.*, request.*
and messages.cmake, the source list for CMake) is checked in and reviewed like hand-written code; the C++ build never reads
the schemas. Python 3 standard library only; clang-format must be on PATH.

Schema semantics followed (Kafka's clients/src/main/resources/common/message/README.md):
fields are present in their "versions"; strings, bytes, arrays and records use the compact
forms in "flexibleVersions"; fields with a "tag" travel in the tagged-field section and are
written only when they differ from their default; "nullableVersions" allow null.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys

MAX_VERSION = 0x7FFF

# Flexible-only APIs that no supported client needs (kafka-compat.md sections 1.3 and 5).
SKIPPED_PREFIXES = ("Share", "ConsumerGroupHeartbeat")

INT_TYPES = {
    "int8": ("int8_t", 1),
    "int16": ("int16_t", 2),
    "uint16": ("uint16_t", 2),
    "int32": ("int32_t", 4),
    "int64": ("int64_t", 8),
    "float64": ("double", 8),
}
FIXED_TYPES = dict(INT_TYPES, bool=("bool", 1), uuid=("Uuid", 16))
READ_FIXED = {
    "int8": "int8",
    "int16": "int16",
    "uint16": "uint16",
    "int32": "int32",
    "int64": "int64",
    "float64": "float64",
    "bool": "bool",
    "uuid": "uuid",
}


class Range:
    """An inclusive version range; empty when lo > hi."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    @staticmethod
    def parse(text):
        if text is None or text == "none":
            return Range(1, 0)
        if text.endswith("+"):
            return Range(int(text[:-1]), MAX_VERSION)
        if "-" in text:
            lo, hi = text.split("-")
            return Range(int(lo), int(hi))
        return Range(int(text), int(text))

    def empty(self):
        return self.lo > self.hi

    def __and__(self, other):
        return Range(max(self.lo, other.lo), min(self.hi, other.hi))

    def __eq__(self, other):
        return (self.empty() and other.empty()) or (self.lo, self.hi) == (other.lo, other.hi)

    def contains(self, v):
        return self.lo <= v <= self.hi

    def __str__(self):
        if self.empty():
            return "none"
        if self.hi == MAX_VERSION:
            return f"{self.lo}+"
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


def snake_case(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def strip_comments(text):
    # The schemas only use whole-line // comments.
    return re.sub(r"^\s*//.*$", "", text, flags=re.M)


class Field:
    def __init__(self, spec, message):
        self.name = spec["name"]
        self.cpp = snake_case(self.name)
        self.type = spec["type"]
        self.versions = Range.parse(spec["versions"])
        self.nullable = Range.parse(spec.get("nullableVersions"))
        self.tag = spec.get("tag")
        self.default = spec.get("default")
        self.about = spec.get("about", "")
        self.is_array = self.type.startswith("[]")
        self.elem = self.type[2:] if self.is_array else self.type
        self.struct = None  # a Struct when the element type is a struct
        if self.tag is not None:
            tagged = Range.parse(spec["taggedVersions"])
            if not tagged == self.versions:
                sys.exit(f"{message}.{self.name}: taggedVersions differing from versions")
        if "fields" in spec:
            self.struct = Struct(self.elem, spec["fields"], message)
        self.optional = not self.nullable.empty() and (
            self.is_array or self.elem in ("string", "bytes")
        )
        if not self.nullable.empty() and not self.optional and self.elem != "records":
            sys.exit(f"{message}.{self.name}: nullable {self.type} is not supported")

    def is_struct(self):
        return self.struct is not None


class Struct:
    def __init__(self, name, field_specs, message):
        self.name = name
        self.fields = [Field(f, message) for f in field_specs]
        self.ctx = None  # version range in which the struct can appear


class Message:
    def __init__(self, path):
        with open(path) as f:
            spec = json.loads(strip_comments(f.read()))
        self.schema_file = os.path.basename(path)
        self.name = spec["name"]
        self.api_key = spec["apiKey"]
        self.kind = spec["type"]
        self.valid = Range.parse(spec["validVersions"])
        self.flexible = Range.parse(spec["flexibleVersions"])
        self.common = {c["name"]: Struct(c["name"], c["fields"], self.name)
                       for c in spec.get("commonStructs", [])}
        self.top = Struct(self.name, spec["fields"], self.name)
        self.top.ctx = self.valid
        for common in self.common.values():
            common.ctx = self.valid
        self.structs = []  # nested structs, each after the structs it uses
        self._resolve(self.top)

    def _resolve(self, struct):
        for field in struct.fields:
            if field.struct is None and field.elem in self.common:
                field.struct = self.common[field.elem]
            elif field.struct is None and field.elem[0].isupper():
                sys.exit(f"{self.name}.{field.name}: unknown struct {field.elem}")
            if field.struct is None:
                continue
            if field.struct.ctx is None:
                field.struct.ctx = field.versions & struct.ctx
            if field.struct not in self.structs:
                self._resolve(field.struct)
                self.structs.append(field.struct)

    def snake(self):
        return snake_case(self.name)

    def first_flexible(self):
        return -1 if self.flexible.empty() else self.flexible.lo

    def is_flexible(self, version):
        return self.flexible.contains(version)


# ---------------------------------------------------------------------------------------
# C++ types and defaults


def elem_cpp_type(field):
    if field.is_struct():
        return field.struct.name
    if field.elem in FIXED_TYPES:
        return FIXED_TYPES[field.elem][0]
    if field.elem in ("string", "bytes"):
        return "std::string"
    sys.exit(f"unsupported element type {field.elem}")


def member_cpp_type(field):
    if field.elem == "records":
        return "std::optional<std::string_view>"
    if field.is_array:
        t = f"std::vector<{elem_cpp_type(field)}>"
    else:
        t = elem_cpp_type(field)
    return f"std::optional<{t}>" if field.optional else t


def int_literal(field, text):
    text = str(text)
    value = int(text, 0)
    if value == -(2**31) and field.elem == "int32":
        return "std::numeric_limits<int32_t>::min()"
    return text


def cpp_string_literal(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_value(field):
    """The C++ expression of the field's default, or None when it is the type's own."""
    d = field.default
    if field.elem == "records":
        return None
    if field.is_array:
        if field.optional and d != "null":
            return f"std::vector<{elem_cpp_type(field)}>()"
        return None
    if field.is_struct() or field.elem == "uuid":
        return None
    if field.elem in INT_TYPES:
        return int_literal(field, d) if d is not None else "0"
    if field.elem == "bool":
        return "true" if str(d).lower() == "true" else "false"
    # strings and bytes
    if d == "null":
        return None
    if field.optional or d:
        return cpp_string_literal(d or "")
    return None


def differs_from_default(field):
    """A C++ condition true when a tagged field must be written."""
    x = field.cpp
    if field.is_array:
        if not field.optional:
            return f"!{x}.empty()"
        if field.default == "null":
            return f"{x}.has_value()"
        return f"!{x}.has_value() || !{x}->empty()"
    if field.is_struct():
        return f"{x} != {field.struct.name}()"
    if field.elem == "uuid":
        return f"{x} != Uuid{{}}"
    if field.elem in ("string", "bytes"):
        if field.optional and field.default == "null":
            return f"{x}.has_value()"
        return f"{x} != {cpp_string_literal(field.default or '')}"
    if field.elem == "bool":
        return f"!{x}" if default_value(field) == "true" else x
    return f"{x} != {default_value(field)}"


# ---------------------------------------------------------------------------------------
# Version conditions


def condition(r, ctx):
    """C++ test that `version` lies in r, given that it lies in ctx; None when always."""
    parts = []
    if r.lo > ctx.lo:
        parts.append(f"version >= {r.lo}")
    if r.hi < ctx.hi:
        parts.append(f"version <= {r.hi}")
    return " && ".join(parts) or None


def segments(field, r, msg):
    """Splits r into ascending ranges over which (compact, nullable) is constant."""
    cuts = {r.lo, r.hi + 1}
    for bound in (msg.flexible.lo, field.nullable.lo, field.nullable.hi + 1):
        if r.lo < bound <= r.hi:
            cuts.add(bound)
    points = sorted(cuts)
    out = []
    for lo, hi in zip(points, points[1:]):
        seg = Range(lo, hi - 1)
        # Only variable-length things change with flexibility, and only optional ones with
        # nullability; ignoring the rest keeps one branch where the bytes are the same.
        variable = field.is_array or field.elem in ("string", "bytes", "records")
        key = (msg.is_flexible(lo) if variable else False,
               field.nullable.contains(lo) if field.optional else False)
        if out and out[-1][1] == key:
            out[-1] = (Range(out[-1][0].lo, seg.hi), key)
        else:
            out.append((seg, key))
    return out


# ---------------------------------------------------------------------------------------
# Minimum wire sizes, so array counts can be checked against the bytes left


def field_min_size(field, version, msg):
    compact = msg.is_flexible(version)
    if field.is_array:
        return 1 if compact else 4
    if field.is_struct():
        return struct_min_size_at(field.struct, version, msg)
    if field.elem in FIXED_TYPES:
        return FIXED_TYPES[field.elem][1]
    if field.elem == "string":
        return 1 if compact else 2
    return 1 if compact else 4  # bytes, records


def struct_min_size_at(struct, version, msg):
    size = 1 if msg.is_flexible(version) else 0
    for field in struct.fields:
        if field.versions.contains(version) and field.tag is None:
            size += field_min_size(field, version, msg)
    return size


def elem_min_size(field, seg, msg):
    sizes = []
    for v in range(seg.lo, min(seg.hi, msg.valid.hi) + 1):
        compact = msg.is_flexible(v)
        if field.is_struct():
            sizes.append(struct_min_size_at(field.struct, v, msg))
        elif field.elem in FIXED_TYPES:
            sizes.append(FIXED_TYPES[field.elem][1])
        elif field.elem == "string":
            sizes.append(1 if compact else 2)
        else:
            sizes.append(1 if compact else 4)
    size = min(sizes)
    if size < 1:
        sys.exit(f"{msg.name}.{field.name}: array elements can be empty; cannot bound counts")
    return size


# ---------------------------------------------------------------------------------------
# Decoding


def element_codec(field, compact):
    """The wire.h element codec object for the elements of an array field."""
    if field.is_struct():
        return "StructElements{version}"
    if field.elem in FIXED_TYPES:
        return "FixedElements()"
    if field.elem == "string":
        return "CompactStringElements()" if compact else "StringElements()"
    sys.exit(f"{field.name}: arrays of {field.elem} are not supported")


def read_expr(field, reader, compact, nullable, seg, msg):
    """A C++ expression of type Status reading the field in one (compact, nullable) form."""
    x = field.cpp
    prefix = "compact_" if compact else ""
    if field.is_array:
        target = f"&{x}.emplace()" if field.optional and not nullable else f"&{x}"
        kind = "nullable_array" if nullable else "array"
        return (f"{reader}.read_{prefix}{kind}({target}, {elem_min_size(field, seg, msg)}, "
                f"{element_codec(field, compact)})")
    if field.is_struct():
        return f"{x}.decode({reader}, version)"
    if field.elem in FIXED_TYPES:
        return f"{reader}.read_{READ_FIXED[field.elem]}(&{x})"
    if field.elem == "records":
        return f"{reader}.read_{prefix}nullable_bytes_view(&{x})"
    kind = field.elem  # string or bytes
    if nullable:
        return f"{reader}.read_{prefix}nullable_{kind}(&{x})"
    target = f"&{x}.emplace()" if field.optional else f"&{x}"
    return f"{reader}.read_{prefix}{kind}({target})"


def read_chain(field, reader, r, msg):
    """A Status expression reading the field in whichever form `version` calls for."""
    segs = segments(field, r, msg)
    expr = None
    for seg, (compact, nullable) in segs:
        e = read_expr(field, reader, compact, nullable, seg, msg)
        expr = e if expr is None else f"version >= {seg.lo} ? {e} : {expr}"
    return expr


def decode_body(struct, msg):
    lines = []
    ctx = struct.ctx
    tagged = [f for f in struct.fields if f.tag is not None]
    for field in struct.fields:
        r = field.versions & ctx
        if field.tag is not None or r.empty():
            continue
        stmt = f"SLUICE_RETURN_IF_ERROR({read_chain(field, 'in', r, msg)});"
        cond = condition(r, ctx)
        lines.append(f"if ({cond}) {{ {stmt} }}" if cond else stmt)
    flex = msg.flexible & ctx
    if not flex.empty():
        cond = condition(flex, ctx)
        if tagged:
            cases = []
            for field in sorted(tagged, key=lambda f: f.tag):
                r = field.versions & ctx
                if r.empty():
                    continue
                read = f"return {read_chain(field, 'field', r, msg)};"
                tcond = condition(r, flex)
                body = f"if ({tcond}) {{ {read} }} break;" if tcond else read
                cases.append(f"case {field.tag}: {body}")
            stmt = ("SLUICE_RETURN_IF_ERROR(in.read_tagged_fields("
                    "[&](uint32_t tag, Reader& field) -> Status {"
                    f" switch (tag) {{ {' '.join(cases)} default: break; }}"
                    " return Status::ok(); }));")
        else:
            stmt = "SLUICE_RETURN_IF_ERROR(in.skip_tagged_fields());"
        lines.append(f"if ({cond}) {{ {stmt} }}" if cond else stmt)
    lines.append("return Status::ok();")
    return lines


# ---------------------------------------------------------------------------------------
# Encoding


def write_stmt(field, writer, compact, nullable):
    x = field.cpp
    prefix = "compact_" if compact else ""
    if field.is_array:
        if nullable:
            return f"{writer}.write_{prefix}nullable_array({x}, {element_codec(field, compact)});"
        value = f"value_or_empty({x})" if field.optional else x
        return f"{writer}.write_{prefix}array({value}, {element_codec(field, compact)});"
    if field.is_struct():
        return f"{x}.encode({writer}, version);"
    if field.elem in FIXED_TYPES:
        return f"{writer}.write_{READ_FIXED[field.elem]}({x});"
    if field.elem == "records":
        return f"{writer}.write_{prefix}records({x});"
    kind = field.elem
    if nullable:
        return f"{writer}.write_{prefix}nullable_{kind}({x});"
    value = f"value_or_empty({x})" if field.optional else x
    return f"{writer}.write_{prefix}{kind}({value});"


def write_chain(field, writer, r, msg):
    segs = segments(field, r, msg)
    if len(segs) == 1:
        return write_stmt(field, writer, *segs[0][1])
    parts = []
    for i, (seg, (compact, nullable)) in enumerate(reversed(segs)):
        stmt = write_stmt(field, writer, compact, nullable)
        if i == len(segs) - 1:
            parts.append(f"else {{ {stmt} }}")
        else:
            keyword = "if" if i == 0 else "else if"
            parts.append(f"{keyword} (version >= {seg.lo}) {{ {stmt} }}")
    return " ".join(parts)


def encode_body(struct, msg):
    lines = []
    ctx = struct.ctx
    tagged = [f for f in struct.fields if f.tag is not None]
    for field in struct.fields:
        r = field.versions & ctx
        if field.tag is not None or r.empty():
            continue
        stmt = write_chain(field, "out", r, msg)
        cond = condition(r, ctx)
        lines.append(f"if ({cond}) {{ {stmt} }}" if cond else stmt)
    flex = msg.flexible & ctx
    if not flex.empty():
        cond = condition(flex, ctx)
        if tagged:
            body = ["TaggedFieldsWriter tagged;"]
            for field in sorted(tagged, key=lambda f: f.tag):
                r = field.versions & ctx
                if r.empty():
                    continue
                test = differs_from_default(field)
                tcond = condition(r, flex)
                if tcond:
                    test = f"{tcond} && ({test})"
                body.append(f"if ({test}) {{ Writer field = tagged.add({field.tag}); "
                            f"{write_chain(field, 'field', r, msg)} }}")
            body.append("tagged.write_to(out);")
            stmt = " ".join(body)
        else:
            stmt = "out.write_no_tagged_fields();"
        lines.append(f"if ({cond}) {{ {stmt} }}" if cond else stmt)
    return lines


# ---------------------------------------------------------------------------------------
# Files

HEADER_NOTE = (
    "// Generated by tools/kafka_codegen.py from Kafka's message schema {schema}.\n"
    "// Do not edit by hand: change the generator and regenerate (src/kafka/protocol/README.md).\n"
)


ALL_REQUESTS_NOTE = HEADER_NOTE.format(schema="*Request.json").replace(
    "message schema", "message schemas").rstrip("\n")


def comment(text):
    return "\n".join(f"// {line}" for line in text.splitlines() if line.strip())


def field_about(field):
    notes = [f"versions {field.versions}"]
    if not field.nullable.empty():
        notes.append(f"nullable {field.nullable}")
    if field.tag is not None:
        notes.append(f"tag {field.tag}")
    about = field.about.strip()
    if about and not about.endswith("."):
        about += "."
    return f"{about} ({', '.join(notes)})".strip()


def struct_decl(struct, msg, is_top):
    lines = [f"struct {struct.name} {{"]
    if is_top:
        lines += [
            f"static constexpr ApiKey kApiKey = ApiKey::k{msg.name[:-len(msg.kind)]};",
            f"static constexpr int16_t kMinVersion = {msg.valid.lo};",
            f"static constexpr int16_t kMaxVersion = {msg.valid.hi};",
            "// -1 when no version is flexible.",
            f"static constexpr int16_t kFirstFlexibleVersion = {msg.first_flexible()};",
            "",
        ]
        for nested in msg.structs:
            lines += [s for s in struct_decl(nested, msg, False)] + [""]
    for field in struct.fields:
        lines.append(comment(field_about(field)))
        init = default_value(field)
        init = f" = {init}" if init is not None else ""
        if field.elem == "uuid" and not field.is_array:
            init = "{}"
        lines.append(f"{member_cpp_type(field)} {field.cpp}{init};")
    if struct.fields:
        lines.append("")
    if is_top:
        lines += [
            "// Decodes the body of a request or response of `version`, resetting every field",
            "// first. Records fields point into the buffer behind `in`. Returns invalid_argument",
            "// for a version outside [kMinVersion, kMaxVersion], corruption for malformed bytes.",
            "Status decode(Reader& in, int16_t version);",
            "// REQUIRES: kMinVersion <= version <= kMaxVersion. Fields absent from `version`",
            "// are not written; a null where `version` forbids null is written as empty.",
        ]
    else:
        lines.append("Status decode(Reader& in, int16_t version);")
    lines.append("void encode(Writer& out, int16_t version) const;")
    lines.append(f"bool operator==(const {struct.name}&) const = default;")
    if is_top:
        lines += ["", "private:", "Status decode_fields(Reader& in, int16_t version);"]
    lines.append("};")
    return lines


def uses_numeric_limits(msg):
    def visit(struct):
        return any(default_value(f) and "numeric_limits" in default_value(f)
                   for f in struct.fields)
    return visit(msg.top) or any(visit(s) for s in msg.structs)


def header_file(msg):
    includes = ["<cstdint>"]
    if uses_numeric_limits(msg):
        includes.append("<limits>")
    includes += ["<optional>", "<string>", "<string_view>", "<vector>"]
    out = [HEADER_NOTE.format(schema=msg.schema_file).rstrip("\n"),
           f"// Kafka {msg.name}: versions {msg.valid}, flexible {msg.flexible}.",
           "#pragma once", ""]
    out += [f"#include {i}" for i in includes]
    out += ["", '#include "common/status.h"', '#include "kafka/protocol/api_keys.h"',
            '#include "kafka/protocol/wire.h"', "", "namespace sluice::kafka::protocol {", ""]
    out += struct_decl(msg.top, msg, True)
    out += ["", "}  // namespace sluice::kafka::protocol", ""]
    return "\n".join(out)


def function(signature, body):
    # Drop the names of parameters a body does not use, as -Wunused-parameter asks.
    text = "\n".join(body)
    for name in ("in", "out", "version"):
        if not re.search(rf"\b{name}\b", text):
            signature = re.sub(rf"\b{name}\)", f"/*{name}*/)", signature)
            signature = re.sub(rf"\b{name},", f"/*{name}*/,", signature)
    return [f"{signature} {{"] + body + ["}", ""]


def source_file(msg):
    top = msg.name
    out = [HEADER_NOTE.format(schema=msg.schema_file).rstrip("\n"),
           f'#include "kafka/protocol/messages/{msg.snake()}.h"', "",
           "#include <string>", "", "namespace sluice::kafka::protocol {", ""]
    for struct in msg.structs:
        q = f"{top}::{struct.name}"
        out += function(f"Status {q}::decode(Reader& in, int16_t version)",
                        decode_body(struct, msg))
        out += function(f"void {q}::encode(Writer& out, int16_t version) const",
                        encode_body(struct, msg))
    out += function(f"Status {top}::decode(Reader& in, int16_t version)", [
        "if (version < kMinVersion || version > kMaxVersion) {",
        f'return Status::invalid_argument("{top} v" + std::to_string(version) + '
        '" is not supported");',
        "}",
        f"*this = {top}();",
        "Status status = decode_fields(in, version);",
        "if (status.is_ok()) return status;",
        f'return Status::corruption("{top} v" + std::to_string(version) + ": " + '
        "status.message());",
    ])
    out += function(f"Status {top}::decode_fields(Reader& in, int16_t version)",
                    decode_body(msg.top, msg))
    out += function(f"void {top}::encode(Writer& out, int16_t version) const",
                    encode_body(msg.top, msg))
    out += ["}  // namespace sluice::kafka::protocol", ""]
    return "\n".join(out)


def versions_files(pairs):
    h = [ALL_REQUESTS_NOTE,
         "//",
         "// Which versions of each API Sluice has codecs for, and which of them are flexible",
         "// (compact encodings, tagged fields, request header v2 / response header v1).",
         "#pragma once", "", "#include <cstdint>", "#include <optional>", "",
         '#include "kafka/protocol/api_keys.h"', "", "namespace sluice::kafka::protocol {", "",
         "struct MessageVersions {",
         "ApiKey api_key;",
         "int16_t min_version;",
         "int16_t max_version;",
         "// -1 when no version is flexible.",
         "int16_t first_flexible_version;",
         "};", "",
         "// The versions of `api_key` with generated codecs; nullopt for a key without them.",
         "std::optional<MessageVersions> message_versions(int16_t api_key);",
         "// True when there is a codec for (api_key, version).",
         "bool is_valid_version(int16_t api_key, int16_t version);",
         "// True when (api_key, version) uses the flexible encoding. Answers for versions above",
         "// the maximum too (flexibility never ends once it starts), which request header",
         "// parsing needs before the version is known to be supported.",
         "bool is_flexible_version(int16_t api_key, int16_t version);", "",
         "}  // namespace sluice::kafka::protocol", ""]
    entries = []
    for req, _ in pairs:
        key = req.name[: -len("Request")]
        entries.append(f"{{ApiKey::k{key}, {req.valid.lo}, {req.valid.hi}, "
                       f"{req.first_flexible()}}},")
    asserts = [f"static_assert(static_cast<int16_t>(ApiKey::k{r.name[:-7]}) == {r.api_key});"
               for r, _ in pairs]
    cc = [ALL_REQUESTS_NOTE,
          '#include "kafka/protocol/messages/message_versions.h"', "",
          "#include <array>", "", "namespace sluice::kafka::protocol {", "namespace {", ""]
    cc += asserts + [""]
    cc += [f"constexpr std::array<MessageVersions, {len(pairs)}> kMessageVersions = {{{{"]
    cc += entries + ["}};", "", "}  // namespace", ""]
    cc += function("std::optional<MessageVersions> message_versions(int16_t api_key)", [
        "for (const MessageVersions& v : kMessageVersions) {",
        "if (static_cast<int16_t>(v.api_key) == api_key) return v;",
        "}",
        "return std::nullopt;",
    ])
    cc += function("bool is_valid_version(int16_t api_key, int16_t version)", [
        "const auto v = message_versions(api_key);",
        "return v && version >= v->min_version && version <= v->max_version;",
    ])
    cc += function("bool is_flexible_version(int16_t api_key, int16_t version)", [
        "const auto v = message_versions(api_key);",
        "return v && v->first_flexible_version >= 0 && version >= v->first_flexible_version;",
    ])
    cc += ["}  // namespace sluice::kafka::protocol", ""]
    return "\n".join(h), "\n".join(cc)


def request_files(pairs):
    reqs = [r for r, _ in pairs]
    h = [ALL_REQUESTS_NOTE,
         "//",
         "// Any request Sluice can decode, for dispatch on the api_key of a request header.",
         "#pragma once", "", "#include <cstdint>", "#include <optional>", "#include <variant>",
         "",
         '#include "common/status.h"']
    h += [f'#include "kafka/protocol/messages/{r.snake()}.h"' for r in reqs]
    h += ['#include "kafka/protocol/wire.h"', "", "namespace sluice::kafka::protocol {", "",
          "using Request = std::variant<" + ", ".join(r.name for r in reqs) + ">;", "",
          "// A default-constructed request of api_key's type; nullopt for a key without a codec.",
          "std::optional<Request> make_request(int16_t api_key);", "",
          "// Decodes the body of request (api_key, version) from `in` into *request.",
          "// Returns invalid_argument for a key or version without a codec (the caller answers",
          "// UNSUPPORTED_VERSION), corruption for malformed bytes.",
          "Status decode_request(int16_t api_key, int16_t version, Reader& in, Request* request);",
          "",
          "// Encodes the body of `request` at `version`.",
          "// REQUIRES: version is valid for the request's API.",
          "void encode_request(const Request& request, int16_t version, Writer& out);", "",
          "}  // namespace sluice::kafka::protocol", ""]
    cases = [f"case ApiKey::k{r.name[:-7]}: return {r.name}();" for r in reqs]
    cc = [ALL_REQUESTS_NOTE,
          '#include "kafka/protocol/messages/request.h"', "", "#include <string>",
          "#include <utility>", "", "namespace sluice::kafka::protocol {", ""]
    cc += function("std::optional<Request> make_request(int16_t api_key)", [
        "switch (static_cast<ApiKey>(api_key)) {"] + cases + [
        "default: return std::nullopt;", "}"])
    cc += function("Status decode_request(int16_t api_key, int16_t version, Reader& in, "
                   "Request* request)", [
                       "std::optional<Request> fresh = make_request(api_key);",
                       "if (!fresh) {",
                       'return Status::invalid_argument("no codec for api key " + '
                       "std::to_string(api_key));",
                       "}",
                       "*request = std::move(*fresh);",
                       "return std::visit([&](auto& r) { return r.decode(in, version); }, "
                       "*request);"])
    cc += function("void encode_request(const Request& request, int16_t version, Writer& out)", [
        "std::visit([&](const auto& r) { r.encode(out, version); }, request);"])
    cc += ["}  // namespace sluice::kafka::protocol", ""]
    return "\n".join(h), "\n".join(cc)


def remove_stale_outputs(out_dir, written):
    """Deletes earlier generated files this run did not write (a message renamed or dropped)."""
    keep = set(written)
    for path in glob.glob(os.path.join(out_dir, "*.h")) + glob.glob(os.path.join(out_dir, "*.cc")):
        if path in keep:
            continue
        with open(path) as f:
            generated = f.readline().startswith("// Generated by tools/kafka_codegen.py")
        if generated:
            os.remove(path)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Kafka's schemas, then ours for the APIs the shared set lacks (tools/kafka-schemas/).
    parser.add_argument("--schemas", action="append",
                        help="a directory of schemas; repeat for several (default: "
                             "/work/shared/kafka-protocol and tools/kafka-schemas)")
    parser.add_argument("--out", default=os.path.join(root, "src/kafka/protocol/messages"))
    args = parser.parse_args()

    schema_dirs = args.schemas or ["/work/shared/kafka-protocol",
                                   os.path.join(root, "tools/kafka-schemas")]
    messages = {}
    paths = [p for d in schema_dirs for p in sorted(glob.glob(os.path.join(d, "*.json")))]
    for path in paths:
        base = os.path.basename(path)
        if base.startswith(SKIPPED_PREFIXES):
            continue
        msg = Message(path)
        if msg.name in messages:
            sys.exit(f"{msg.name} is defined twice ({path})")
        messages[msg.name] = msg
    pairs = []
    for name, req in sorted(messages.items(), key=lambda kv: (kv[1].api_key, kv[0])):
        if req.kind != "request":
            continue
        resp = messages.get(name[: -len("Request")] + "Response")
        if resp is None:
            sys.exit(f"{name} has no response schema")
        if not (req.valid == resp.valid and req.flexible == resp.flexible):
            sys.exit(f"{name}: request and response versions differ")
        pairs.append((req, resp))

    os.makedirs(args.out, exist_ok=True)
    written = []

    def emit(filename, text):
        path = os.path.join(args.out, filename)
        with open(path, "w") as f:
            f.write(text)
        written.append(path)

    for req, resp in pairs:
        for msg in (req, resp):
            emit(f"{msg.snake()}.h", header_file(msg))
            emit(f"{msg.snake()}.cc", source_file(msg))
    h, cc = versions_files(pairs)
    emit("message_versions.h", h)
    emit("message_versions.cc", cc)
    h, cc = request_files(pairs)
    emit("request.h", h)
    emit("request.cc", cc)
    subprocess.run(["clang-format", "-i", "--style=file"] + written, check=True)
    remove_stale_outputs(args.out, written)
    sources = sorted(os.path.basename(p) for p in written if p.endswith(".cc"))
    emit("messages.cmake", "\n".join(
        ["# Generated by tools/kafka_codegen.py: the generated codec sources, for",
         "# src/kafka/CMakeLists.txt. Do not edit by hand.",
         "set(SLUICE_KAFKA_MESSAGE_SOURCES"]
        + [f"  protocol/messages/{name}" for name in sources] + [")", ""]))
    print(f"wrote {len(written)} files to {args.out}")


if __name__ == "__main__":
    main()
