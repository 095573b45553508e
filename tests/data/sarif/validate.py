#!/usr/bin/python3
"""Validate SARIF documents against the 2.1.0 schema; print every error."""
import json
import os
import sys

import jsonschema

schema_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sarif-2.1.0-rtm.5.json")
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
validator = jsonschema.Draft4Validator(schema)
status = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
        print(f"{path}: {'/'.join(map(str, error.path))}: {error.message}")
        status = 1
sys.exit(status)
