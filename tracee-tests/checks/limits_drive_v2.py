#!/usr/bin/env python3
"""limits_drive_v2: limits_drive.py with the v2 backend inside tracee-tests/cgroup2-ns.sh."""
import limits_drive

if __name__ == "__main__":
    limits_drive.drive("v2")
