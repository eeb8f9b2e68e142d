#!/usr/bin/python3
# validate.py SCHEMA: the JSON on stdin is one document that SCHEMA (a file
# of docs/schema) accepts. Prints the first error and exits 1 otherwise.
# Debian's python3-jsonschema, checked against the schema's own draft.
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
text = sys.stdin.read()
try:
    doc = json.loads(text)
except ValueError as e:
    print(f"not JSON ({e}): {text[:300]!r}")
    sys.exit(1)
errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:3]:
    # A oneOf's own message is the whole document: name the branches' errors.
    for c in ([e] if not e.context else e.context)[:12]:
        where = "/".join(map(str, list(e.path) + list(c.path))) or "(root)"
        print(f"{sys.argv[1]}: at {where}: {c.message[:200]}")
sys.exit(1 if errors else 0)
