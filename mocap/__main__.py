"""``python -m mocap``: the same as the ``cliffmocap`` command."""

from mocap.cli import main

if __name__ == "__main__":
    main()
