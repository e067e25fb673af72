// PreloadChecker module. Filled in by later work.
