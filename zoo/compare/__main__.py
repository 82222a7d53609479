import sys

from zoo.compare.command import main

main(sys.argv[1:])
