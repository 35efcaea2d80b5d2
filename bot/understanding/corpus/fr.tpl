# French. Written by the wismo team; see README.md in this folder.
@item = commande | colis | paquet | livraison | robe | baskets | sac | article | achat | envoi
@ago = 2 semaines | 10 jours | une semaine | un mois | 3 semaines | 5 jours | deux semaines | 15 jours
@hi = | bonjour | salut | bonsoir | coucou | bjr | excusez-moi
@pl = | svp | s'il vous plaît | merci | stp | ??? | !! | 🙏
@country = la Belgique | le Canada | la Suisse | le Maroc | la France | l'Algérie | la Réunion

== where_is_my_order status
{hi} où est ma {item} ? {pl}
{hi} où est mon colis ?
ou est mon colis
il est où mon colis
elle est où ma commande ?
{hi} des nouvelles de ma {item} ? {pl}
vous pouvez me dire où en est ma commande ?
je voudrais savoir où en est mon colis
quel est le statut de ma commande ?
suivi de ma commande {pl}
ma commande est-elle partie ?
mon colis a été expédié ?
mon colis est en route ?
comment suivre mon colis ?
je veux suivre ma commande
suivi {n}
{n}
{hi} {n}
{n} {pl}
{hi} mon numéro de suivi est {n}, il est où ?
la commande {n} elle en est où
qu'est-ce qui se passe avec ma {item} ?
vous pouvez m'envoyer le numéro de suivi ?
le lien de suivi ne marche pas, où est mon colis ?
{hi} j'ai commandé il y a {ago}, où est ma commande ?
mon colis est à la douane ?
mon colis est en point relais ?
un seul colis sur deux est arrivé, où est l'autre ?
quel transporteur livre mon colis ?
where is ma commande {n} ?
wsh il est où mon colis

== where_is_my_order delay
toujours rien !!
toujours rien reçu
{ago} et rien
{ago} et aucune mise à jour
ça fait {ago} et mon colis n'est pas arrivé
ma commande est en retard
pourquoi mon colis met autant de temps ?
c'est vraiment trop long
mon colis est perdu ?
vous avez perdu mon colis ?
mon colis est bloqué en douane
il est bloqué depuis {ago} (en douane|en transit|au centre de tri)
le suivi ne bouge plus depuis (samedi|lundi|la semaine dernière)
aucun mouvement depuis {ago}
il devait arriver (hier|la semaine dernière|vendredi) et rien
j'ai payé la livraison express et j'attends depuis {ago}
j'attends toujours ma {item} 😡
j'attends toujours la commande {n}
{n} ne bouge plus depuis {ago}
la date de livraison est passée et rien
pourquoi ma commande n'est pas encore arrivée ?
{hi} ma commande {n} n'est pas arrivée, ça fait {ago}
le livreur n'est jamais venu
on avait convenu d'une livraison hier mais personne n'est venu
la date de livraison change tout le temps

== where_is_my_order not_received
Colissimo indique livré mais je n'ai rien reçu
il est marqué livré mais je n'ai rien
le suivi dit livré et je n'ai rien reçu
livré ?? non, je n'ai rien
indiqué déposé en boîte aux lettres mais rien dedans
{n} indique livré mais je ne l'ai pas
le livreur dit avoir livré, j'étais chez moi toute la journée

== where_is_my_order returned
pourquoi mon colis est renvoyé ?
pourquoi ma commande est retournée à l'expéditeur ?
{n} pourquoi il repart chez l'expéditeur ?
le suivi dit retour à l'expéditeur, que s'est-il passé ?
mon colis retourne à la boutique, pourquoi ?
la poste a renvoyé mon colis au vendeur, pourquoi ?

== where_is_my_order delivery_time
quand est-ce que ma commande arrive ?
quand arrive mon colis ?
il arrive quand ?
combien de temps prend la livraison ?
combien de temps pour livrer en {country} ?
combien de jours pour la livraison en {country} ?
quel est le délai de livraison ?
quels sont les délais pour {country} ?
quelle est la date de livraison prévue pour {n} ?
si je commande aujourd'hui, je reçois quand ?
ça arrive avant noël ?
il sera là vendredi ?
le livreur passe à quelle heure ?

== human
je veux parler à un humain
je peux parler à une vraie personne ?
passez-moi un conseiller
vous êtes un robot ? je veux quelqu'un
service client svp
appelez-moi, c'est urgent

== cancel_or_change hard
je veux annuler ma commande
annulez la commande {n}
je peux encore annuler ?
annulez, c'est trop long
je peux changer l'adresse de ma commande ?
je dois modifier l'adresse de livraison
l'adresse de la commande {n} est fausse, vous pouvez corriger ?
je peux changer la taille avant l'envoi ?
je voudrais ajouter un article à ma commande

== refund_or_return hard
je veux un remboursement
je veux être remboursé
comment retourner mon article ?
je veux renvoyer ce produit
où est mon remboursement ?
il n'est jamais arrivé, je veux être remboursé
il est arrivé cassé, remboursez-moi
ça ne me va pas, je veux le renvoyer
quelle est votre politique de retour ?
je peux l'échanger contre une autre taille ?
j'ai renvoyé l'article il y a {ago}, quand suis-je remboursé ?

== other hard
j'ai perdu mes factures, comment les voir ?
vous pouvez m'envoyer la facture de ma commande ?
j'ai besoin de la facture pour {n}
j'ai un message d'erreur quand je paie ma commande
mon paiement ne passe pas
j'ai été débité deux fois
je peux payer par paypal ?
je veux voir le statut de mon abonnement à la newsletter
je n'arrive pas à me connecter à mon compte
mot de passe oublié
comment supprimer mon compte ?
c'est marqué en stock
c'est en stock ?
vous l'avez en taille M ?
quand le noir revient en stock ?
vous l'avez en bleu ?
quelle taille je prends ?
combien coûte la livraison en {country} ?
combien coûte la robe ?
vous avez un code promo ?
vous livrez en {country} ?
le site ne charge pas

== greeting
bonjour
salut
bonsoir
coucou
bjr

== thanks
merci
merci beaucoup !
merci bien 🙏
parfait merci
super merci

== stop_updates
stop
arrêtez
arrêtez de m'envoyer des messages
je ne veux plus de notifications
désabonnez-moi
plus de messages svp

== other
ok
d'accord
oui
non
mdr
👍
j'adore votre boutique
mon email c'est marie.dupont@example.com

# --- plus de paraphrases
@prod = sweat | t-shirt | coque | robe | bague | collier | veste | tasse | baskets
== where_is_my_order status
(des|une) (nouvelles|mise à jour|info) pour ma {item} ?
dites, il se passe quoi avec mon {prod} ?
où je peux voir où est mon colis ?
il y a un suivi pour ma commande ?
j'ai reçu aucun numéro de suivi
vous avez expédié mon {prod} ?
mon {prod} est parti de l'entrepôt ?
il est où mon {prod} ?
vous pouvez confirmer l'envoi de ma commande ?
j'ai besoin de savoir où est mon colis
numéro de suivi {n}
{n} statut ?
{n} ?
où est ma commande ? numéro {n}
mon colis arrive aujourd'hui ?
mon colis est encore (en Chine|à l'entrepôt|en douane) ?
slt il est ou mon colis {pl}
ma cmd elle est où ?
== where_is_my_order delay
(toujours|encore|j'attends toujours) (rien|pas de colis|) {pl}
ça fait (une éternité|des semaines|un mois) et rien
pourquoi c'est (si long|aussi long|interminable) ?
déjà {ago} et mon {prod} n'est pas là
{ago} que j'attends un {prod}, sérieux ?
le suivi ne bouge plus depuis (lundi|vendredi|des jours)
il est (en transit|en douane|au dépôt) depuis {ago}
mon colis est (en retard|perdu|bloqué) (encore|)
perdu par la poste ?
il y a un problème ? ma commande a beaucoup de retard
aucune trace de mon {prod}
il aurait dû arriver depuis longtemps
2 semaines et aucune mise à jour 😡
== where_is_my_order delivery_time
quand (arrive|est livré|sera livrée) (mon colis|ma commande|le {prod}) ?
combien de temps (pour la livraison|pour recevoir|d'expédition) en {country} ?
combien de jours de livraison ?
quelle est la date de livraison estimée ?
en combien de jours ça arrive en {country} ?
je reçois mon {prod} quand ?
ça arrive cette semaine ?
ça arrive demain ?
la livraison est rapide ? combien de jours ?
== other hard
@paie = carte | PayPal | virement | Apple Pay | Lydia
combien coûte la livraison pour {country} ?
la livraison est gratuite ?
je peux payer par {paie} ?
mon paiement par {paie} a échoué
le site refuse ma carte
j'ai payé mais pas reçu d'email de confirmation
vous pouvez renvoyer la facture ?
il me faut une facture au nom de ma société
comment réinitialiser mon mot de passe ?
impossible de me connecter
comment me désinscrire des emails ?
le {prod} existe en (noir|blanc|taille L|taille S) ?
le {prod} sera réapprovisionné ?
rupture de stock ?? ça revient quand ?
le {prod} existe dans d'autres couleurs ?
quelle est la taille du {prod} ?
quel est le prix du {prod} ?
vous avez des promos ?
vous livrez à l'international ?
quel transporteur vous utilisez ?
où en est ma demande de garantie ?
je veux voir mes points de fidélité
vous vendez des cartes cadeaux ?
vous ouvrez à quelle heure ?
== refund_or_return hard
vous pouvez me rembourser le {prod} ?
comment je renvoie le {prod} ?
le {prod} n'est pas à ma taille, je peux le retourner ?
remboursement de la commande {n} svp
mon remboursement pour {n} n'est pas arrivé
quand serai-je remboursé ?
je voudrais échanger le {prod}
le {prod} est arrivé abîmé, je fais quoi ?
je l'ai renvoyé, vous avez reçu mon retour ?
== cancel_or_change hard
annulez ma commande svp
je veux annuler le {prod}
vous pouvez annuler la {n} ?
je me suis trompé de taille, je peux changer ?
je dois mettre à jour l'adresse de la commande {n}
j'ai mis la mauvaise adresse, vous pouvez la changer ?
vous pouvez l'envoyer à mon travail ?
j'ai commandé deux fois par erreur, annulez-en une
== human
je veux parler (au service client|à une personne|à quelqu'un|au responsable|à un humain)
quelqu'un peut m'appeler ?
je veux une vraie personne, pas un robot
mettez-moi en relation avec un conseiller
parler à quelqu'un
== greeting
(bonjour|salut|coucou|hello) (à tous|l'équipe|) (!|👋|)
bonne journée
slt
== thanks
(merci|merci beaucoup|merci bien|mercii) (!|!!|🙏|❤️|)
(parfait|super|génial|top|ok) merci
merci pour votre aide
c'est gentil merci
== stop_updates
(arrêtez|arrête) de m'envoyer (des messages|des notifications)
je ne veux plus (de messages|ces messages)
désinscrivez-moi
plus de mises à jour svp
== other
(ok|d'accord|dac|ça marche) (👍|!|)
(oui|non|ouais|peut-être)
ptdr 😂
trop beau !
compris
ah ok
pardon, mauvaise conversation
laisse tomber
je regarde juste
mon numéro est 06 12 34 56 78

# --- quatrième tour
== where_is_my_order delivery_time
combien de temps pour (recevoir|être livré|la livraison) (en|au|à) {country} ?
en combien de temps je reçois ma commande ?
== where_is_my_order delay
la date de livraison (change|est repoussée) tout le temps
ils repoussent encore la livraison
== other hard
où en est ma (demande de garantie|réclamation|demande de remboursement de frais|candidature) ?
vous pouvez (renvoyer|envoyer) la facture ?
il me faut la facture de ma commande
== refund_or_return hard
comment je renvoie (le|la) {prod} ?
comment renvoyer un article ?
== where_is_my_order status
où est (mon|ma) {prod} ?
(mon|ma) {prod} a été envoyé(e|) ?
== other hard
un message d'erreur s'affiche quand je veux payer ma commande
le paiement de ma commande affiche une erreur
