"""sentinel-dac: detection content as code for Microsoft Sentinel."""

__version__ = "0.1.0"
