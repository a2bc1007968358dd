"""The engines behind ``searchsvc.engine``: each is a package with one door
(``open_whoosh``, ``open_opensearch``) and the only place its library is imported."""
