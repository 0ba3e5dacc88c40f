"""Device simulators that speak the real protocols on pseudo-terminals; shipped for users."""
