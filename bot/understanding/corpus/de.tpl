# German. Written by the wismo team; see README.md in this folder.
@item = Bestellung | Paket | Päckchen | Lieferung | Sendung | Kleid | Schuhe | Tasche | Ware | Artikel
@ago = 2 Wochen | 10 Tagen | einer Woche | einem Monat | 3 Wochen | 5 Tagen | zwei Wochen
@hi = | hallo | hi | guten Tag | moin | servus | hey | guten Morgen
@pl = | bitte | danke | bitte schnell | ??? | !! | 🙏
@country = Österreich | die Schweiz | Deutschland | Italien | Polen | die Niederlande

== where_is_my_order status
{hi} wo ist mein Paket? {pl}
{hi} wo ist meine {item}?
wo ist mein paket
wo bleibt mein Paket?
wo bleibt meine {item}?
{hi} gibt es Neuigkeiten zu meiner {item}? {pl}
können Sie nachsehen, wo meine {item} ist?
ich möchte wissen, wo meine Bestellung ist
was ist der Status meiner Bestellung?
Sendungsstatus {pl}
wurde meine Bestellung schon verschickt?
ist mein Paket unterwegs?
ist mein Paket schon raus?
wie kann ich mein Paket verfolgen?
Sendungsverfolgung für {n}
{n}
{hi} {n}
{n} {pl}
{hi} meine Sendungsnummer ist {n}, wo ist das Paket?
Bestellung {n} wo ist die
was ist mit meiner {item} los?
können Sie mir die Sendungsnummer schicken?
der Tracking-Link geht nicht, wo ist mein Paket?
{hi} ich habe vor {ago} bestellt, wo ist meine Bestellung?
ist mein Paket beim Zoll?
liegt mein Paket in der Packstation?
nur eins von zwei Paketen ist angekommen, wo ist das andere?
welcher Paketdienst liefert mein Paket?
where is mein Paket {n}?

== where_is_my_order delay
immer noch nichts!!
immer noch nix da
seit {ago} nichts
seit {ago} kein Update
nach {ago} ist mein Paket immer noch nicht da
meine Bestellung ist verspätet
warum dauert das so lange?
das dauert ewig
ist mein Paket verloren gegangen?
haben Sie mein Paket verloren?
mein Paket hängt beim Zoll fest
seit {ago} hängt es (im Zoll|im Paketzentrum|in der Zustellung)
die Sendungsverfolgung bewegt sich seit (Samstag|Montag|letzter Woche) nicht
keine Bewegung seit {ago}
sollte (gestern|letzte Woche|am Freitag) kommen und nichts
ich habe Expressversand bezahlt und warte seit {ago}
ich warte immer noch auf meine {item} 😡
warte immer noch auf Bestellung {n}
{n} bewegt sich seit {ago} nicht
der Liefertermin ist vorbei und nichts
warum ist meine Bestellung noch nicht da?
{hi} meine Bestellung {n} ist noch nicht angekommen, seit {ago}
der Fahrer ist nie gekommen
Lieferung war für gestern vereinbart, aber niemand kam
der Liefertermin wird ständig verschoben

== where_is_my_order not_received
Laut Sendungsverfolgung zugestellt, aber ich habe nichts erhalten
da steht zugestellt, aber hier ist nichts
als zugestellt markiert, aber nicht angekommen
zugestellt?? ich habe nichts bekommen
angeblich im Briefkasten, da ist nichts
{n} zeigt zugestellt, aber ich habe es nicht
der Bote sagt zugestellt, ich war den ganzen Tag zu Hause

== where_is_my_order returned
warum geht mein Paket zurück?
warum wird meine Bestellung zurückgeschickt?
{n} warum geht es zurück an den Absender?
Sendungsverfolgung sagt Rücksendung an Absender, was ist passiert?
mein Paket geht zurück an den Shop, warum?
die Post hat mein Paket zurückgeschickt, warum?

== where_is_my_order delivery_time
wann kommt mein Paket?
wann kommt meine Bestellung an?
wann kommt es?
wie lange dauert der Versand?
wie lange dauert die Lieferung nach {country}?
wie viele Tage dauert der Versand nach {country}?
wie ist die Lieferzeit?
was ist die Lieferzeit für {country}?
wann ist die voraussichtliche Zustellung von {n}?
wenn ich heute bestelle, wann ist es da?
kommt es vor Weihnachten an?
ist es bis Freitag da?
um wie viel Uhr kommt der Fahrer?

== human
ich möchte mit einem Menschen sprechen
kann ich mit einer echten Person reden?
bitte verbinden Sie mich mit dem Kundenservice
bist du ein Bot? ich will einen Mitarbeiter
rufen Sie mich bitte an, es ist dringend

== cancel_or_change hard
ich möchte meine Bestellung stornieren
bitte Bestellung {n} stornieren
kann ich noch stornieren?
stornieren Sie das, es dauert zu lange
kann ich die Adresse noch ändern?
ich muss die Lieferadresse ändern
die Adresse bei Bestellung {n} ist falsch, können Sie das korrigieren?
kann ich die Größe noch ändern?
ich möchte noch einen Artikel zur Bestellung hinzufügen

== refund_or_return hard
ich möchte mein Geld zurück
ich will eine Rückerstattung
wie schicke ich die Ware zurück?
ich möchte das zurückgeben
wo bleibt meine Rückerstattung?
es kam nie an, ich will mein Geld zurück
es kam kaputt an, bitte erstatten
passt nicht, ich will es zurückschicken
wie sind Ihre Rückgabebedingungen?
kann ich es gegen eine andere Größe umtauschen?
ich habe die Ware vor {ago} zurückgeschickt, wann bekomme ich das Geld?

== other hard
ich habe meine Rechnungen verloren, wo finde ich sie?
können Sie mir die Rechnung für meine Bestellung schicken?
ich brauche eine Rechnung für {n}
beim Bezahlen kommt eine Fehlermeldung
meine Zahlung ging nicht durch
mir wurde doppelt abgebucht
kann ich mit PayPal zahlen?
ich möchte den Status meines Newsletter-Abos sehen
ich komme nicht in mein Konto
Passwort vergessen
wie lösche ich mein Konto?
da steht auf Lager
ist das auf Lager?
gibt es das in Größe M?
wann ist das schwarze wieder verfügbar?
gibt es das in Blau?
welche Größe soll ich nehmen?
was kostet der Versand nach {country}?
was kostet das Kleid?
habt ihr einen Rabattcode?
liefert ihr nach {country}?
die Seite lädt nicht

== greeting
hallo
hi
guten Tag
moin
servus

== thanks
danke
danke schön
vielen Dank!
super, danke 🙏
perfekt danke

== stop_updates
stopp
stop
hört auf mir zu schreiben
ich will keine Updates mehr
abmelden
keine Nachrichten mehr bitte

== other
ok
okay
ja
nein
alles klar
👍
tolle Sachen!
meine Email ist max.mueller@example.com

# --- mehr Umschreibungen
@prod = Hoodie | T-Shirt | Handyhülle | Kleid | Ring | Kette | Jacke | Tasse | Sneaker
== where_is_my_order status
(gibt's|gibt es) (was Neues|ein Update|Infos) zu meinem Paket?
hey, was ist mit meinem {prod}?
wo kann ich sehen, wo mein Paket ist?
gibt es eine Sendungsverfolgung für meine Bestellung?
ich habe keine Trackingnummer bekommen
habt ihr mein {prod} schon verschickt?
ist mein {prod} schon aus dem Lager raus?
wo ist mein {prod}?
können Sie bestätigen, dass meine Bestellung versendet wurde?
ich muss wissen, wo mein Paket ist
Trackingnummer {n}
{n} Status?
{n}?
wo ist meine Bestellung? Nummer {n}
kommt mein Paket heute?
ist mein Paket noch (in China|im Lager|beim Zoll)?
wo is mein paket {pl}
wo ist mein paket??? {pl}
== where_is_my_order delay
(immer noch|noch immer|weiterhin) (nichts|kein Paket|am Warten) {pl}
seit (Ewigkeiten|Wochen|einem Monat) nichts
warum dauert das (so lange|ewig|Wochen)?
schon {ago} und mein {prod} ist nicht da
ich warte seit {ago} auf ein {prod}, im Ernst?
die Sendungsverfolgung bewegt sich seit (Montag|Freitag|Tagen) nicht
es ist seit {ago} (unterwegs|beim Zoll|im Depot)
mein Paket ist (verspätet|verloren|hängen geblieben) (schon wieder|)
bei der Post verloren gegangen?
gibt es ein Problem? meine Bestellung ist sehr verspätet
keine Spur von meinem {prod}
das hätte längst da sein müssen
2 Wochen und kein Update 😡
== where_is_my_order delivery_time
wann (kommt|wird geliefert|ist) (mein Paket|meine Bestellung|das {prod}) (da|)?
wie lange (dauert der Versand|dauert die Lieferung|braucht es) nach {country}?
wie viele Tage Lieferzeit?
was ist das voraussichtliche Lieferdatum?
in wie vielen Tagen ist es in {country}?
wann bekomme ich mein {prod}?
kommt es diese Woche?
kommt es morgen?
ist der Versand schnell? wie viele Tage?
== other hard
@zahl = Karte | PayPal | Überweisung | Klarna | Apple Pay
was kostet der Versand in {country}?
ist der Versand kostenlos?
kann ich mit {zahl} bezahlen?
meine Zahlung mit {zahl} ist fehlgeschlagen
die Seite nimmt meine Karte nicht
ich habe bezahlt, aber keine Bestätigungsmail bekommen
können Sie die Rechnung nochmal schicken?
ich brauche eine Rechnung auf meine Firma
wie setze ich mein Passwort zurück?
ich kann mich nicht anmelden
wie melde ich mich vom Newsletter ab?
gibt es das {prod} in (Schwarz|Weiß|Größe L|Größe S)?
kommt das {prod} wieder rein?
ausverkauft?? wann wieder da?
gibt es das {prod} in anderen Farben?
wie groß ist das {prod}?
was kostet das {prod}?
gibt es gerade Angebote?
versendet ihr international?
welchen Paketdienst nutzt ihr?
wie ist der Stand meiner Garantieanfrage?
ich will meine Treuepunkte sehen
verkauft ihr Gutscheine?
wann habt ihr geöffnet?
== refund_or_return hard
können Sie mir das Geld für das {prod} erstatten?
wie schicke ich das {prod} zurück?
das {prod} hat die falsche Größe, kann ich es zurückgeben?
Erstattung für Bestellung {n} bitte
meine Erstattung für {n} ist nicht angekommen
wann bekomme ich die Erstattung?
ich möchte das {prod} umtauschen
das {prod} kam beschädigt an, was jetzt?
ich habe es zurückgeschickt, ist meine Retoure angekommen?
== cancel_or_change hard
bitte stornieren Sie meine Bestellung
ich will das {prod} stornieren
können Sie {n} stornieren?
falsche Größe bestellt, kann ich das ändern?
ich muss die Adresse bei Bestellung {n} aktualisieren
falsche Adresse angegeben, können Sie die ändern?
können Sie es an meine Arbeit schicken?
aus Versehen zweimal bestellt, bitte eine stornieren
== human
ich will (mit dem Kundenservice|mit einem Menschen|mit jemandem|mit dem Chef) sprechen
kann mich jemand anrufen?
ich brauche einen echten Menschen, keinen Bot
verbinden Sie mich mit einem Mitarbeiter
mit jemandem reden
== greeting
(hallo|hi|hey|moin) (zusammen|Leute|Team|) (!|👋|)
guten (Morgen|Abend|Tag)
grüß Gott
== thanks
(danke|vielen Dank|danke schön|dankeschön|thx) (!|!!|🙏|❤️|)
(super|perfekt|top|alles klar|ok) danke
danke für die Hilfe
sehr nett, danke
== stop_updates
(hört|hör) auf mir (Nachrichten|Benachrichtigungen) zu schicken
ich will (keine|diese) Nachrichten nicht mehr
bitte abmelden
keine Updates mehr bitte
== other
(ok|okay|alles klar|passt|gut) (👍|!|)
(ja|nein|jap|nö|vielleicht)
haha 😂
sieht toll aus!
verstanden
ach so
sorry, falscher Chat
egal
ich schaue nur
meine Nummer ist 0151 2345678

# --- vierte Runde
== where_is_my_order delivery_time
in wie vielen Tagen (kommt es an|ist es da|wird geliefert)?
wie viele Tage (dauert|braucht) (der Versand|die Lieferung|das Paket)?
ist es bis (Freitag|Montag|zum Wochenende) da?
schafft ihr die Lieferung bis (Freitag|Samstag)?
wie lange braucht ein Paket nach {country}?
== other hard
Zahlung (fehlgeschlagen|abgelehnt|nicht möglich)
meine Zahlung (ist fehlgeschlagen|wurde abgelehnt)
die Zahlung mit {zahl} klappt nicht
wann ist das {prod} wieder (da|verfügbar|lieferbar)?
== cancel_or_change hard
können Sie es an (meine Arbeit|meine neue Adresse|meine Eltern) schicken?
kann ich die (Größe|Farbe|Menge) noch ändern?
== where_is_my_order status
wo ist mein {prod}?
wurde mein {prod} schon verschickt?
== other hard
beim Bezahlen meiner Bestellung kommt immer ein Fehler
ich bekomme eine Fehlermeldung, wenn ich die Bestellung bezahlen will
