"""archive: the property registry (projects, buildings, units, households and
their people) and the household files (一户一档). Owner of resident data."""
