// PreloadClient module. Filled in by later work.
