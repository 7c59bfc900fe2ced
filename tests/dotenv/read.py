# Read a .env file with python-dotenv (as an app would: interpolation on)
# and print its FEATURE_* values as one JSON object, for
# tests/dotenv_readers.rs. Usage: PYTHONPATH=DIR python3 read.py FILE
import json
import sys
from importlib.metadata import version

from dotenv import dotenv_values

values = {k: v for k, v in dotenv_values(sys.argv[1]).items() if k.startswith("FEATURE_")}
print(json.dumps({"reader": "python-dotenv " + version("python-dotenv"), "values": values}))
