"""The one Markdown table writer: a header and rows of cells, a cell's | escaped and its line breaks flattened, so
that an error message or a JSON setting never breaks the table."""


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header), *map(line, rows)])
