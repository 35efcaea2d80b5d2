"""Fakes of the outside services wismo talks to, served by real HTTP servers on loopback."""
