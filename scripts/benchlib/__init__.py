"""benchlib: what the scripts under scripts/ share (not to be confused with the bpebench
Python module of harness/python, the trainer itself).

    tools       where the repository and the binaries are, running a command for its output
    tables      numbers as REPORT.md prints them, medians, markdown tables
    gnuplot     drawing one plot as byte-stable SVG and PNG
    reportfile  REPORT.md's generated sections and atomic file writes
    backends    the backend list, from bin/bpetrain --list-backends --json
    runs        run rows: reading both CSV forms, one run identity, appending rows
    machine     the machine fingerprint and id
    sessions    bench sessions under results/<dataset>/, and which machine a report shows
    gpt2        the GPT-2 byte alphabet of merges.txt and vocab.json
    pyruns      the py-* Python strategies in the bench, and every bench run's time limit
    updates     the update step's measures derived from a run row
    wordcounts  the word-count file of --save-counts, read in Python

Python standard library only.
"""
