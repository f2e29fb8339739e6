"""Constants shared across rooms: physical ones, and where results go."""

from pathlib import Path

#: Offset between degrees Celsius and kelvin (K).
C_TO_K = 273.15

#: Default directory of result cubes and sweep folders, relative to the working directory.
RESULTS_DIR = Path("results")
