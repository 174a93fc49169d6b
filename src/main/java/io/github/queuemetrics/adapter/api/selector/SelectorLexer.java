package io.github.queuemetrics.adapter.api.selector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits a selector string into tokens the way Kubernetes' {@code labels.Lexer} does: whitespace
 * separates, {@code = ! ( ) , > <} form operators (longest known match: {@code !=}, {@code ==}),
 * everything else is an identifier, and {@code in}/{@code notin} are keywords.
 */
final class SelectorLexer {

    enum Token {
        END_OF_STRING, CLOSED_PAR, COMMA, DOES_NOT_EXIST, DOUBLE_EQUALS, EQUALS, GREATER_THAN,
        IDENTIFIER, IN, LESS_THAN, NOT_EQUALS, NOT_IN, OPEN_PAR
    }

    record Item(Token token, String literal) {
    }

    private static final Map<String, Token> LITERALS = Map.ofEntries(
            Map.entry(")", Token.CLOSED_PAR),
            Map.entry(",", Token.COMMA),
            Map.entry("!", Token.DOES_NOT_EXIST),
            Map.entry("==", Token.DOUBLE_EQUALS),
            Map.entry("=", Token.EQUALS),
            Map.entry(">", Token.GREATER_THAN),
            Map.entry("in", Token.IN),
            Map.entry("<", Token.LESS_THAN),
            Map.entry("!=", Token.NOT_EQUALS),
            Map.entry("notin", Token.NOT_IN),
            Map.entry("(", Token.OPEN_PAR));

    private final String input;
    private int pos;

    private SelectorLexer(String input) {
        this.input = input;
    }

    /** All tokens of {@code input}, the last one always END_OF_STRING. */
    static List<Item> tokenize(String input) {
        SelectorLexer lexer = new SelectorLexer(input);
        List<Item> items = new ArrayList<>();
        Item item;
        do {
            item = lexer.next();
            items.add(item);
        } while (item.token() != Token.END_OF_STRING);
        return items;
    }

    private Item next() {
        while (pos < input.length() && isWhitespace(input.charAt(pos))) {
            pos++;
        }
        if (pos >= input.length()) {
            return new Item(Token.END_OF_STRING, "");
        }
        return isSpecial(input.charAt(pos)) ? scanSpecial() : scanIdentifierOrKeyword();
    }

    private Item scanIdentifierOrKeyword() {
        int start = pos;
        while (pos < input.length() && !isSpecial(input.charAt(pos)) && !isWhitespace(input.charAt(pos))) {
            pos++;
        }
        String literal = input.substring(start, pos);
        Token keyword = LITERALS.get(literal);
        return new Item(keyword == null ? Token.IDENTIFIER : keyword, literal);
    }

    /** Longest run of special characters that is still a known operator ("!=" rather than "!"). */
    private Item scanSpecial() {
        int start = pos;
        Item best = null;
        while (pos < input.length() && isSpecial(input.charAt(pos))) {
            String candidate = input.substring(start, pos + 1);
            Token token = LITERALS.get(candidate);
            if (token != null) {
                best = new Item(token, candidate);
            } else if (best != null) {
                break;
            }
            pos++;
        }
        // Every single special character is an operator, so best is set after the first one.
        pos = start + best.literal().length();
        return best;
    }

    private static boolean isWhitespace(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
    }

    private static boolean isSpecial(char ch) {
        return ch == '=' || ch == '!' || ch == '(' || ch == ')' || ch == ',' || ch == '>' || ch == '<';
    }
}
