#!/usr/bin/env python3
"""Regenerates real-text-frames.jsonl from the recorded transcript.

Usage: python3 extract_text_frames.py /work/shared/protocol/real-transcripts.md > real-text-frames.jsonl

Every received TEXT frame (a line `+ NNNms <- TEXT   {json}`) becomes one JSON line:
{"section": <nearest heading>, "line": <1-based line in the transcript>, "frame": <the JSON text, verbatim, as a string>}.
The frame stays a string so its bytes (spacing, number formats such as 1.0 vs 1) are exactly what the server sent.
"""
import json
import re
import sys

MARK = "<- TEXT   "
heading = ""
with open(sys.argv[1], encoding="utf-8") as transcript:
    for number, line in enumerate(transcript, start=1):
        line = line.rstrip("\n")
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif re.match(r"^\+\s*\d+ms <- TEXT   ", line):
            frame = line[line.index(MARK) + len(MARK):]
            json.loads(frame)  # the transcript promises verbatim JSON; fail loudly if it is not
            print(json.dumps({"section": heading, "line": number, "frame": frame}, ensure_ascii=False))
