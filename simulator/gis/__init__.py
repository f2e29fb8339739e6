"""Your own network from GIS: layers in (``import-network``), layers out (``export-network``,
``export-results``). geopandas loads only in :mod:`simulator.gis.layers`, inside the commands."""
