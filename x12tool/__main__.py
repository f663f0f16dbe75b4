if __name__ == "__main__":
    import gc

    # Start-up makes objects that live until exit (modules, classes, the commands): the
    # collector would walk them again and again while they are made. It is off until the
    # command is found, then they are moved out of its way (x12tool/cli/app.py, end_start_up).
    gc.disable()

    from x12tool.cli import main

    main()
