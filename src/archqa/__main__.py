from archqa.cli import main

main()
