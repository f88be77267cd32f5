"""The process versions of BPL Funding. Each version is a module of its own; importing it registers it.

Processes arrive with their issues (grant_application, frbrtc_loan); see docs/workflows.md for how to add a version.
"""
