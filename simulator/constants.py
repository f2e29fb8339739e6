"""Physical constants shared across rooms."""

#: Offset between degrees Celsius and kelvin (K).
C_TO_K = 273.15
