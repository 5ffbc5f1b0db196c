"""Preserved copies of the web pages sources cite: fetch.py fetches safely, capture.py records a
capture as a Snapshot with its WARC file, tasks.py runs captures in the worker with retries."""
