"""Static files storage for a benchmark of a work tree whose static files are incomplete.

Used only when ``collectstatic`` with the production storage fails (the benchmark says so in
its output and results): a file that a CSS or JS file refers to but that is missing is left
unhashed instead of stopping the run. Production keeps the strict storage.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class TolerantStaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            return name
