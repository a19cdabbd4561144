from lqplan.cli import main

main()
