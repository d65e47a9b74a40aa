"""Standards as data: frameworks, their items and the crosswalks between them.

This package is framework-free (it imports nothing from Django) so the CLI, the web app and scripts share it.

Examples
--------
>>> from openaims.catalog import get_framework, mappings_for
>>> iso = get_framework("iso42001")
>>> iso.get("A.6.2.4").title
'AI system verification and validation'
>>> sorted({m.target_framework for m in mappings_for("iso42001", "A.6.2.4")})
['eu-ai-act', 'iso27001', 'nist-ai-rmf', 'soc2']

The file formats are described in ``openaims/catalog/data/README.md``.
"""

from openaims.catalog._loader import (
    DATA_DIR,
    builtin_crosswalks,
    builtin_frameworks,
    get_crosswalk,
    get_framework,
    load_crosswalk,
    load_framework,
    mappings_for,
)
from openaims.catalog._model import (
    BASES,
    RELATIONS,
    CatalogError,
    Crosswalk,
    Framework,
    Item,
    Mapping,
    MappingSource,
    Unmapped,
)
from openaims.catalog._oscal import (
    OPENAIMS_NS,
    OSCAL_VERSION,
    export_oscal_catalog,
    import_oscal_catalog,
    oscal_id,
    write_oscal_catalog,
)

__all__ = [
    "BASES",
    "DATA_DIR",
    "OPENAIMS_NS",
    "OSCAL_VERSION",
    "RELATIONS",
    "CatalogError",
    "Crosswalk",
    "Framework",
    "Item",
    "Mapping",
    "MappingSource",
    "Unmapped",
    "builtin_crosswalks",
    "builtin_frameworks",
    "export_oscal_catalog",
    "get_crosswalk",
    "get_framework",
    "import_oscal_catalog",
    "load_crosswalk",
    "load_framework",
    "mappings_for",
    "oscal_id",
    "write_oscal_catalog",
]
