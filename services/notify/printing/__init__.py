"""Printed notices (issue 10): the CJK font locator (:mod:`.fonts`) and the A4 layout of a door
or board notice (:mod:`.pdf`) -- rendering only, no database and no nameko. Which deliveries are
printed, who may download them and the ``printed`` mark are the rules of ``domain/printing.py``."""
