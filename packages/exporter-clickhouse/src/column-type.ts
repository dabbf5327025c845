/** A ClickHouse type as system.columns spells it, parsed: `Map(LowCardinality(String), String)`. */
export interface ColumnType {
  /** `Map`, `LowCardinality`, `String`, `DateTime64`, ... */
  readonly name: string;
  /** Type arguments: nested types, or numbers and quoted strings (`DateTime64(9, 'UTC')`) as text. */
  readonly args: readonly ColumnType[];
}

/**
 * Parses a column type. Only the shape matters here (the binary row writer
 * picks each column's value writer from it); an argument that is not a type
 * (a precision, a time zone) is kept as a type named by its text.
 */
export function parseColumnType(text: string): ColumnType {
  let at = 0;
  const skipSpaces = () => {
    while (at < text.length && text[at] === ' ') at++;
  };
  const parse = (): ColumnType => {
    skipSpaces();
    const start = at;
    if (text[at] === "'") {
      at++;
      while (at < text.length && text[at] !== "'") at += text[at] === '\\' ? 2 : 1;
      at++;
      return { name: text.slice(start, at), args: [] };
    }
    while (at < text.length && !'(), '.includes(text[at] as string)) at++;
    const name = text.slice(start, at);
    // Nested's and Tuple's named elements (`Name Type`): the name is skipped, the type kept.
    skipSpaces();
    if (at < text.length && !'(),'.includes(text[at] as string)) return parse();
    const args: ColumnType[] = [];
    if (text[at] === '(') {
      at++;
      for (;;) {
        args.push(parse());
        skipSpaces();
        if (text[at] === ',') at++;
        else if (text[at] === ')') {
          at++;
          break;
        } else throw new Error(`cannot parse column type ${JSON.stringify(text)}`);
      }
    }
    if (name.length === 0) throw new Error(`cannot parse column type ${JSON.stringify(text)}`);
    return { name, args };
  };
  const type = parse();
  skipSpaces();
  if (at !== text.length) throw new Error(`cannot parse column type ${JSON.stringify(text)}`);
  return type;
}

/** The type as text again (normalized spacing). */
export function columnTypeText(type: ColumnType): string {
  return type.args.length === 0 ? type.name : `${type.name}(${type.args.map(columnTypeText).join(', ')})`;
}
