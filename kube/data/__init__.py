"""Data files shipped with Kube (the regions of Kota Serang, for the demo)."""
