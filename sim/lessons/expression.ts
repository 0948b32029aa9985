// The small expression language of lessons: what a placeholder ({{isr('orders', 0)}}) and a
// check ("lostWrites > 0 and brokerState(1) == 'crashed'") say. It is parsed here, by us, into
// a tree and evaluated by walking that tree over a fixed table of figures (figures.ts): there
// is no eval, no property access (no ".", no "[]"), no assignment and no way to name anything
// but a figure, so a hostile placeholder is refused at load with the reason, never executed.
//
// Grammar (lowest precedence first):
//   expr    := and ('or' and)*
//   and     := not ('and' not)*
//   not     := 'not' not | compare
//   compare := sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum)?
//   sum     := primary (('+' | '-') primary)*
//   primary := number | 'string' | "string" | true | false | none
//            | name | name '(' [expr (',' expr)*] ')' | '(' expr ')'
//
// none (a figure not known yet) compares as less, greater or equal to nothing but none.

/** The longest expression accepted: a placeholder or a check is a phrase, not a program. */
export const MAX_EXPRESSION_CHARS = 300
/** Nesting deeper than this is refused (parentheses, calls, operators), so parsing never recurses far. */
const MAX_DEPTH = 16

export type Value = number | string | boolean | null | readonly (number | string)[]

export type Expr =
  | { kind: 'literal'; value: number | string | boolean | null; column: number }
  | { kind: 'figure'; name: string; args: Expr[]; column: number; call: boolean }
  | { kind: 'not'; operand: Expr; column: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; column: number }

type BinaryOp = 'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-'

/** An expression that cannot be parsed or evaluated; the message names the column and the reason. */
export class ExpressionError extends Error {
  override name = 'ExpressionError'
}

interface Token {
  kind: 'number' | 'string' | 'name' | 'op' | 'end'
  text: string
  column: number
}

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '+', '-', '(', ')', ',']
const KEYWORDS: Record<string, true | undefined> = Object.assign(Object.create(null), { and: true, or: true, not: true, true: true, false: true, none: true })

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    const column = i + 1
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    const number = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?/.exec(text.slice(i, i + 24))
    if (number) {
      tokens.push({ kind: 'number', text: number[0], column })
      i += number[0].length
      continue
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1)
      if (end < 0) throw new ExpressionError(`column ${column}: a string opened with ${c} is never closed`)
      tokens.push({ kind: 'string', text: text.slice(i + 1, end), column })
      i = end + 1
      continue
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]{0,63}/.exec(text.slice(i, i + 65))
    if (name) {
      tokens.push({ kind: 'name', text: name[0], column })
      i += name[0].length
      continue
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i))
    if (op) {
      tokens.push({ kind: 'op', text: op, column })
      i += op.length
      continue
    }
    throw new ExpressionError(`column ${column}: unexpected ${JSON.stringify(c)} (an expression holds figures like isr('orders', 0), numbers, 'strings', comparisons, and/or/not, + and -)`)
  }
  tokens.push({ kind: 'end', text: 'the end', column: text.length + 1 })
  return tokens
}

/** Parses an expression; throws ExpressionError naming the column and what was expected. */
export function parseExpression(text: string): Expr {
  if (typeof text !== 'string') throw new ExpressionError(`expected an expression as text, got ${typeof text}`)
  if (text.length > MAX_EXPRESSION_CHARS) throw new ExpressionError(`longer than ${MAX_EXPRESSION_CHARS} characters`)
  const tokens = tokenize(text)
  let at = 0
  const peek = () => tokens[at]!
  const isOp = (op: string) => peek().kind === 'op' && peek().text === op
  const isWord = (word: string) => peek().kind === 'name' && peek().text === word
  const expect = (op: string) => {
    if (!isOp(op)) throw new ExpressionError(`column ${peek().column}: expected "${op}", got ${describeToken(peek())}`)
    at++
  }
  const deeper = (depth: number, column: number) => {
    if (depth > MAX_DEPTH) throw new ExpressionError(`column ${column}: nested deeper than ${MAX_DEPTH} levels`)
    return depth + 1
  }

  const expr = (depth: number): Expr => {
    let left = and(deeper(depth, peek().column))
    while (isWord('or')) {
      const column = tokens[at++]!.column
      left = { kind: 'binary', op: 'or', left, right: and(depth + 1), column }
    }
    return left
  }
  const and = (depth: number): Expr => {
    let left = not(depth)
    while (isWord('and')) {
      const column = tokens[at++]!.column
      left = { kind: 'binary', op: 'and', left, right: not(depth), column }
    }
    return left
  }
  const not = (depth: number): Expr => {
    if (isWord('not')) {
      const column = tokens[at++]!.column
      return { kind: 'not', operand: not(deeper(depth, column)), column }
    }
    return compare(depth)
  }
  const compare = (depth: number): Expr => {
    const left = sum(depth)
    const token = peek()
    if (token.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(token.text)) {
      at++
      return { kind: 'binary', op: token.text as BinaryOp, left, right: sum(depth), column: token.column }
    }
    return left
  }
  const sum = (depth: number): Expr => {
    let left = primary(depth)
    while (isOp('+') || isOp('-')) {
      const token = tokens[at++]!
      left = { kind: 'binary', op: token.text as BinaryOp, left, right: primary(depth), column: token.column }
    }
    return left
  }
  const primary = (depth: number): Expr => {
    const token = tokens[at]!
    if (token.kind === 'number') {
      at++
      return { kind: 'literal', value: Number(token.text), column: token.column }
    }
    if (token.kind === 'string') {
      at++
      return { kind: 'literal', value: token.text, column: token.column }
    }
    if (isOp('(')) {
      at++
      const inner = expr(deeper(depth, token.column))
      expect(')')
      return inner
    }
    if (token.kind === 'name') {
      at++
      if (token.text === 'true' || token.text === 'false') return { kind: 'literal', value: token.text === 'true', column: token.column }
      if (token.text === 'none') return { kind: 'literal', value: null, column: token.column }
      if (KEYWORDS[token.text]) throw new ExpressionError(`column ${token.column}: "${token.text}" needs something before it`)
      if (!isOp('(')) return { kind: 'figure', name: token.text, args: [], column: token.column, call: false }
      at++
      const args: Expr[] = []
      if (!isOp(')')) {
        for (;;) {
          args.push(expr(deeper(depth, token.column)))
          if (!isOp(',')) break
          at++
        }
      }
      expect(')')
      return { kind: 'figure', name: token.text, args, column: token.column, call: true }
    }
    throw new ExpressionError(`column ${token.column}: expected a figure, a number or a 'string', got ${describeToken(token)}`)
  }

  const tree = expr(0)
  if (peek().kind !== 'end') throw new ExpressionError(`column ${peek().column}: unexpected ${describeToken(peek())} after a complete expression`)
  return tree
}

function describeToken(token: Token): string {
  if (token.kind === 'end') return 'the end'
  if (token.kind === 'string') return `the string '${token.text.slice(0, 40)}'`
  return `"${token.text}"`
}

/** Every figure an expression names, in order (for static checks and for "figures now" lines). */
export function figuresIn(tree: Expr): Extract<Expr, { kind: 'figure' }>[] {
  const found: Extract<Expr, { kind: 'figure' }>[] = []
  const walk = (e: Expr) => {
    if (e.kind === 'figure') {
      found.push(e)
      e.args.forEach(walk)
    } else if (e.kind === 'not') walk(e.operand)
    else if (e.kind === 'binary') {
      walk(e.left)
      walk(e.right)
    }
  }
  walk(tree)
  return found
}

/** The expression written back as text (for messages): isr('orders', 0). */
export function formatExpression(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return typeof e.value === 'string' ? `'${e.value}'` : e.value === null ? 'none' : String(e.value)
    case 'figure':
      return e.call ? `${e.name}(${e.args.map(formatExpression).join(', ')})` : e.name
    case 'not':
      return `not ${formatExpression(e.operand)}`
    case 'binary':
      return `${formatExpression(e.left)} ${e.op} ${formatExpression(e.right)}`
  }
}

/** Evaluates a tree; `figure` computes one figure from its evaluated arguments. Type errors throw ExpressionError. */
export function evaluate(e: Expr, figure: (name: string, args: Value[]) => Value): Value {
  switch (e.kind) {
    case 'literal':
      return e.value
    case 'figure':
      return figure(e.name, e.args.map((a) => evaluate(a, figure)))
    case 'not':
      return !requireBoolean(evaluate(e.operand, figure), e, 'not')
    case 'binary': {
      if (e.op === 'and') return requireBoolean(evaluate(e.left, figure), e, 'and') && requireBoolean(evaluate(e.right, figure), e, 'and')
      if (e.op === 'or') return requireBoolean(evaluate(e.left, figure), e, 'or') || requireBoolean(evaluate(e.right, figure), e, 'or')
      const left = evaluate(e.left, figure)
      const right = evaluate(e.right, figure)
      if (e.op === '==') return sameValue(left, right)
      if (e.op === '!=') return !sameValue(left, right)
      // A figure not known yet (no leader, no coordinator) reads as none: comparing it holds
      // for no order, and arithmetic on it stays none, so a check waits instead of failing.
      if (left === null || right === null) return e.op === '+' || e.op === '-' ? null : false
      const a = requireNumber(left, e)
      const b = requireNumber(right, e)
      switch (e.op) {
        case '<':
          return a < b
        case '<=':
          return a <= b
        case '>':
          return a > b
        case '>=':
          return a >= b
        case '+':
          return a + b
        case '-':
          return a - b
      }
    }
  }
}

function requireBoolean(value: Value, e: Expr, op: string): boolean {
  if (typeof value !== 'boolean') throw new ExpressionError(`column ${e.column}: "${op}" needs true or false on each side, got ${formatValue(value)}`)
  return value
}

function requireNumber(value: Value, e: Extract<Expr, { kind: 'binary' }>): number {
  if (typeof value !== 'number') throw new ExpressionError(`column ${e.column}: "${e.op}" needs numbers on each side, got ${formatValue(value)}`)
  return value
}

function sameValue(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i])
  return a === b
}

/** A value as a lesson quotes it: 3, 12.5, "1, 2, 3" (a list, as kafka-topics prints an ISR), none, Stable. */
export function formatValue(value: Value): string {
  if (value === null) return 'none'
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(', ')
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(1)
  return String(value)
}
