#!/usr/bin/env python3
"""Regenerates the websocket-frame fixtures from the recorded transcript.

Usage: python3 extract_frames.py /work/shared/protocol/real-transcripts.md [output-dir]

Writes, one JSON object per line:
- real-text-frames.jsonl: every received TEXT frame (`+ NNNms <- TEXT   {json}`) as
  {"section": <nearest heading>, "line": <1-based transcript line>, "frame": <the JSON text verbatim, as a string>}.
  The frame stays a string so its bytes (spacing, 1.0 vs 1) are exactly what the server sent.
- real-binary-frames.jsonl: every received BINARY frame's recorded description (`<- BINARY {description}`) as
  {"section", "line", "description": <the description object>}. The transcript shows binary frames decoded, not as
  bytes; for type 4 "metadata_json" is the metadata text exactly as recorded. The tests rebuild each frame from its description (header, metadata JSON) plus green-64x64.png, which is
  the 64x64 RGB image the recorded workflow produced, encoded the way the server does (PNG, zlib level 1).
"""
import json
import os
import re
import sys

source = sys.argv[1]
out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
frame_line = re.compile(r"^\+\s*\d+ms <- (TEXT|BINARY) (.*)$")

heading = ""
with open(source, encoding="utf-8") as transcript, \
        open(os.path.join(out_dir, "real-text-frames.jsonl"), "w", encoding="utf-8") as text_out, \
        open(os.path.join(out_dir, "real-binary-frames.jsonl"), "w", encoding="utf-8") as binary_out:
    for number, line in enumerate(transcript, start=1):
        line = line.rstrip("\n")
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            continue
        match = frame_line.match(line)
        if not match:
            continue
        kind, rest = match.group(1), match.group(2).lstrip(" ")
        json.loads(rest)  # the transcript promises JSON here; fail loudly if it is not
        if kind == "TEXT":
            record = {"section": heading, "line": number, "frame": rest}
            text_out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            description = json.loads(rest)
            record = {"section": heading, "line": number, "description": description}
            if "metadata" in description:
                # The type-4 metadata bytes as the server wrote them (Python's json.dumps, as in the transcript line).
                metadata_json = json.dumps(description["metadata"])
                assert metadata_json in rest and len(metadata_json.encode()) == description["metadata_length"]
                record["metadata_json"] = metadata_json
            binary_out.write(json.dumps(record, ensure_ascii=False) + "\n")
