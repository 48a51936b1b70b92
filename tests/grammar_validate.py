#!/usr/bin/env python3
"""Validates generated JSON against its schema with an independent validator (python3-jsonschema,
Draft 2020-12, formats checked). Input: JSON lines {"schema": PATH, "output": TEXT, "what": ...}.
Exit 0 when every output parses and validates, 1 otherwise, 77 when jsonschema is missing."""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)

bad = 0
n = 0
for line in open(sys.argv[1]):
    case = json.loads(line)
    schema = json.load(open(case["schema"]))
    n += 1
    try:
        value = json.loads(case["output"])
        jsonschema.validate(value, schema, cls=jsonschema.Draft202012Validator,
                            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    except Exception as e:  # noqa: BLE001 - report any failure with its case
        bad += 1
        print(f"INVALID {case['what']}: {case['output']!r}: {str(e).splitlines()[0]}")
print(f"{n - bad}/{n} outputs valid")
sys.exit(1 if bad or n == 0 else 0)
