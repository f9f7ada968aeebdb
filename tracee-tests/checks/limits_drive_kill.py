#!/usr/bin/env python3
"""limits_drive_kill: limits_drive.py with sysward SIGKILLed once the program is ready: the
whole tree must die with it."""
import limits_drive

if __name__ == "__main__":
    limits_drive.drive("kill")
