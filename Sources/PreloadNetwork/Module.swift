// Live adapters: filled when the network wrappers land.
