"""The one exception the import code raises for bad input.

The operator turns it into a Blender error report (``self.report({'ERROR'}, ...)``) and
returns ``{'CANCELLED'}``, so users see a message instead of a traceback. Messages say what
failed, the value involved and the fix.
"""


class ImportFailed(Exception):
    """A cliffmocap file, SMPL model or option could not be used."""
