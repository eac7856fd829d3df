"""The built-in stages. Importing this package registers them (see :mod:`pipeline.core.registry`).

The order of the imports below is the order of registration, which orders the signal columns
and the report categories: ``quality`` comes before the stages that remove text so that its
datatrove-named signals lead the signals table. The order the stages *run* in is the
config's ``[pipeline] stages``.
"""
# isort: skip_file

from pipeline.stages import segment  # noqa: F401 - each imported to register it
from pipeline.stages import normalize  # noqa: F401
from pipeline.stages import quality  # noqa: F401
from pipeline.stages import boilerplate  # noqa: F401
from pipeline.stages import site_lines  # noqa: F401
from pipeline.stages import boilerplate_model  # noqa: F401
from pipeline.stages import stuffing  # noqa: F401
from pipeline.stages import spun  # noqa: F401
from pipeline.stages import grammar  # noqa: F401
