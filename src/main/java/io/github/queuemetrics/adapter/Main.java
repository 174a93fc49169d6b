package io.github.queuemetrics.adapter;

public final class Main {
    public static void main(String[] args) {
        System.out.println("skeleton");
    }
}
