"""The dialogue: a buyer turn in, the reply out."""
