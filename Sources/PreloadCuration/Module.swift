// PreloadCuration module. Filled in by later work.
