from zoo.compare.command import main

main()
