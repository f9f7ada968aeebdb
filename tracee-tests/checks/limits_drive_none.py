#!/usr/bin/env python3
"""limits_drive_none: limits_drive.py with the no-cgroup fallback forced by SYSWARD_CGROUP=none."""
import limits_drive

if __name__ == "__main__":
    limits_drive.drive("none")
