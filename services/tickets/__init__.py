"""tickets: repair requests (报修) with their SLA clocks; later complaints,
revisits, inspections, renovation, goods release, keys."""
