package io.github.queuemetrics.adapter.api.selector;

import io.github.queuemetrics.adapter.api.selector.SelectorLexer.Item;
import io.github.queuemetrics.adapter.api.selector.SelectorLexer.Token;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Recursive-descent parser for Kubernetes' {@code labels.Parse} grammar, with the same accepted
 * language and the same error wording:
 *
 * <pre>
 * selector    ::= requirement | requirement "," selector
 * requirement ::= ["!"] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
 * </pre>
 *
 * {@code in}/{@code notin} are keywords only where an operator is expected, so {@code x in (in)}
 * is valid; empty values are allowed ({@code x=}, {@code x in (,a)}, {@code x notin ()}).
 */
final class SelectorParser {

    /** A problem inside one requirement; reported with Kubernetes' "unable to parse requirement" prefix. */
    private static final class RequirementException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RequirementException(String message) {
            super(message, null, false, false);
        }
    }

    /** Where the parser is: keywords are operators only in KEY_AND_OPERATOR. */
    private enum Context { KEY_AND_OPERATOR, VALUES }

    private final List<Item> items;
    private int position;

    private SelectorParser(String input) {
        this.items = SelectorLexer.tokenize(input);
    }

    /** The requirements of {@code input} sorted by key; empty for an empty selector. */
    static List<Requirement> parse(String input) {
        List<Requirement> requirements = new SelectorParser(input).parseSelector();
        requirements.sort(Comparator.comparing(Requirement::key));
        return requirements;
    }

    private List<Requirement> parseSelector() {
        List<Requirement> requirements = new ArrayList<>();
        while (true) {
            Item next = lookahead(Context.VALUES);
            switch (next.token()) {
                case IDENTIFIER, DOES_NOT_EXIST -> {
                    try {
                        requirements.add(parseRequirement());
                    } catch (RequirementException e) {
                        throw new LabelSelectorSyntaxException("unable to parse requirement: " + e.getMessage());
                    }
                    Item after = consume(Context.VALUES);
                    if (after.token() == Token.END_OF_STRING) {
                        return requirements;
                    }
                    if (after.token() != Token.COMMA) {
                        throw new LabelSelectorSyntaxException(
                                "found '" + after.literal() + "', expected: ',' or 'end of string'");
                    }
                    Item afterComma = lookahead(Context.VALUES);
                    if (afterComma.token() != Token.IDENTIFIER && afterComma.token() != Token.DOES_NOT_EXIST) {
                        throw new LabelSelectorSyntaxException(
                                "found '" + afterComma.literal() + "', expected: identifier after ','");
                    }
                }
                case END_OF_STRING -> {
                    return requirements;
                }
                default -> throw new LabelSelectorSyntaxException(
                        "found '" + next.literal() + "', expected: !, identifier, or 'end of string'");
            }
        }
    }

    private Requirement parseRequirement() {
        boolean negated = false;
        Item keyItem = consume(Context.VALUES);
        if (keyItem.token() == Token.DOES_NOT_EXIST) {
            negated = true;
            keyItem = consume(Context.VALUES);
        }
        if (keyItem.token() != Token.IDENTIFIER) {
            throw new RequirementException("found '" + keyItem.literal() + "', expected: identifier");
        }
        String key = keyItem.literal();
        List<String> keyErrors = LabelValidation.qualifiedNameErrors(key);
        if (!keyErrors.isEmpty()) {
            throw new RequirementException(invalid(key, keyErrors));
        }
        if (negated) {
            // "!key" takes no operator; anything after it is reported by the caller.
            return new Requirement(key, SelectorOperator.DOES_NOT_EXIST, List.of());
        }
        Token following = lookahead(Context.VALUES).token();
        if (following == Token.END_OF_STRING || following == Token.COMMA) {
            return new Requirement(key, SelectorOperator.EXISTS, List.of());
        }
        SelectorOperator operator = parseOperator();
        TreeSet<String> values = operator == SelectorOperator.IN || operator == SelectorOperator.NOT_IN
                ? parseValueSet()
                : parseExactValue();
        return validated(key, operator, new ArrayList<>(values));
    }

    private SelectorOperator parseOperator() {
        Item item = consume(Context.KEY_AND_OPERATOR);
        return switch (item.token()) {
            case IN -> SelectorOperator.IN;
            case NOT_IN -> SelectorOperator.NOT_IN;
            case EQUALS -> SelectorOperator.EQUALS;
            case DOUBLE_EQUALS -> SelectorOperator.DOUBLE_EQUALS;
            case NOT_EQUALS -> SelectorOperator.NOT_EQUALS;
            case GREATER_THAN -> SelectorOperator.GREATER_THAN;
            case LESS_THAN -> SelectorOperator.LESS_THAN;
            default -> throw new RequirementException(
                    "found '" + item.literal() + "', expected: " + SelectorOperator.BINARY_OPERATORS);
        };
    }

    /** "(a,b)", "()" (= {""}), "(,a)" and "(a,,b)" (empty values) as Kubernetes accepts them. */
    private TreeSet<String> parseValueSet() {
        Item open = consume(Context.VALUES);
        if (open.token() != Token.OPEN_PAR) {
            throw new RequirementException("found '" + open.literal() + "' expected: '('");
        }
        Item first = lookahead(Context.VALUES);
        switch (first.token()) {
            case IDENTIFIER, COMMA -> {
                TreeSet<String> values = parseValueList();
                Item close = consume(Context.VALUES);
                if (close.token() != Token.CLOSED_PAR) {
                    throw new RequirementException("found '" + close.literal() + "', expected: ')'");
                }
                return values;
            }
            case CLOSED_PAR -> {
                consume(Context.VALUES);
                TreeSet<String> values = new TreeSet<>();
                values.add("");
                return values;
            }
            default -> throw new RequirementException(
                    "found '" + first.literal() + "', expected: ',', ')' or identifier");
        }
    }

    /** Comma-separated, possibly empty values up to (not including) the closing parenthesis. */
    private TreeSet<String> parseValueList() {
        TreeSet<String> values = new TreeSet<>();
        while (true) {
            Item item = consume(Context.VALUES);
            switch (item.token()) {
                case IDENTIFIER -> {
                    values.add(item.literal());
                    Item next = lookahead(Context.VALUES);
                    if (next.token() == Token.CLOSED_PAR) {
                        return values;
                    }
                    if (next.token() != Token.COMMA) {
                        throw new RequirementException("found '" + next.literal() + "', expected: ',' or ')'");
                    }
                }
                case COMMA -> {
                    if (values.isEmpty()) {
                        values.add("");
                    }
                    Token next = lookahead(Context.VALUES).token();
                    if (next == Token.CLOSED_PAR) {
                        values.add("");
                        return values;
                    }
                    if (next == Token.COMMA) {
                        consume(Context.VALUES);
                        values.add("");
                    }
                }
                default -> throw new RequirementException(
                        "found '" + item.literal() + "', expected: ',', or identifier");
            }
        }
    }

    /** The single value after =, ==, !=, > or <; an empty value when the requirement ends there. */
    private TreeSet<String> parseExactValue() {
        TreeSet<String> values = new TreeSet<>();
        Token next = lookahead(Context.VALUES).token();
        if (next == Token.END_OF_STRING || next == Token.COMMA) {
            values.add("");
            return values;
        }
        Item item = consume(Context.VALUES);
        if (item.token() != Token.IDENTIFIER) {
            throw new RequirementException("found '" + item.literal() + "', expected: identifier");
        }
        values.add(item.literal());
        return values;
    }

    /** Kubernetes' {@code NewRequirement} checks: integer bounds for gt/lt, label-value syntax. */
    private static Requirement validated(String key, SelectorOperator operator, List<String> values) {
        List<String> errors = new ArrayList<>();
        if (operator == SelectorOperator.GREATER_THAN || operator == SelectorOperator.LESS_THAN) {
            for (int i = 0; i < values.size(); i++) {
                if (!isInt64(values.get(i))) {
                    errors.add("values[" + i + "]: " + invalid(values.get(i),
                            List.of("for 'Gt', 'Lt' operators, the value must be an integer")));
                }
            }
        }
        for (int i = 0; i < values.size(); i++) {
            List<String> valueErrors = LabelValidation.labelValueErrors(values.get(i));
            if (!valueErrors.isEmpty()) {
                errors.add("values[" + i + "][" + key + "]: " + invalid(values.get(i), valueErrors));
            }
        }
        if (errors.size() == 1) {
            throw new RequirementException(errors.get(0));
        }
        if (!errors.isEmpty()) {
            throw new RequirementException("[" + String.join(", ", errors) + "]");
        }
        return new Requirement(key, operator, values);
    }

    private static boolean isInt64(String value) {
        try {
            Long.parseLong(value);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String invalid(String value, List<String> details) {
        return "Invalid value: \"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\": "
                + String.join("; ", details);
    }

    private Item lookahead(Context context) {
        return inContext(items.get(position), context);
    }

    private Item consume(Context context) {
        Item item = items.get(position);
        if (position < items.size() - 1) {
            position++;
        }
        return inContext(item, context);
    }

    /** Outside operator position, "in" and "notin" are plain identifiers (a value may be "in"). */
    private static Item inContext(Item item, Context context) {
        if (context == Context.VALUES && (item.token() == Token.IN || item.token() == Token.NOT_IN)) {
            return new Item(Token.IDENTIFIER, item.literal());
        }
        return item;
    }
}
