from x12tool.cli import main

if __name__ == "__main__":
    main()
