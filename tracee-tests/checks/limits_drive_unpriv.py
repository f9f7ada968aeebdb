#!/usr/bin/env python3
"""limits_drive_unpriv: limits_drive.py with sysward run as uid/gid 65534 (setpriv)."""
import limits_drive

if __name__ == "__main__":
    limits_drive.drive("unpriv")
