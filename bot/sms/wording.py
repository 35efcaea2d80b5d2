"""The words of the SMS channel: an update's short text, and the answers to keywords and to an
opt-in in the DM.

An update's news is the DM's and the email's (`update_sentence` from the same catalogs), cut to
a text: the store's name (carriers want the sender named), the news, the tracking link, and how
to opt out. One segment when a form of it fits, never more than MAX_SEGMENTS; a Latin-script
text that only misses GSM-7 by its accents goes without them rather than as UCS-2 (docs/sms.md,
Segments). The fixed sentences below are compliance wording kept beside the keywords they name
(keywords.py), in the eight languages of the catalogs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final

from bot.replies.answer import short_status, update_sentence
from bot.replies.catalogs import Catalogs
from bot.sms.keywords import Keyword
from bot.sms.segments import MAX_SEGMENTS, count, gsm7_lookalike, is_gsm7, truncate
from carriers.milestones import tracking_link
from carriers.models import Shipment

_EN: Final = {
    "button": "Text me updates",
    "welcome": "{store}: you'll get texts about your parcels. Msg & data rates may apply. "
    "Reply HELP for help, STOP to opt out.",
    "footer": "Reply STOP to opt out.",
    "help": "{store}: parcel updates by text. Reply STOP to opt out, START to opt back in.",
    "stop": "{store}: you're unsubscribed and won't get more texts. Reply START to opt back in.",
    "start": "{store}: parcel update texts are back on. Reply STOP to opt out.",
    "opted_in": "Done: I'll text updates about your parcels to {phone}. Reply STOP to any text "
    "to end them.",
    "invalid": "That doesn't look like a mobile number I can text. Please send it with its "
    "country code, like +1 415 555 0123.",
    "ask": "Which mobile number should I text the updates to? Please send it with its country "
    "code, like +1 415 555 0123.",
    "stopped": "That number opted out of our texts. To get them again, text START to us from "
    "that phone.",
    "unavailable": "Sorry, we don't send updates by text. I'll keep you posted here.",
}

PHRASES: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "en": _EN,
        "es": {
            "button": "Avisos por SMS",
            "welcome": "{store}: recibirás SMS sobre tus paquetes. Pueden aplicarse tarifas de "
            "mensajes y datos. Responde AYUDA para ayuda, ALTO para darte de baja.",
            "footer": "Responde ALTO para darte de baja.",
            "help": "{store}: avisos de envío por SMS. Responde ALTO para darte de baja o "
            "INICIO para volver a recibirlos.",
            "stop": "{store}: te has dado de baja y no recibirás más SMS. Responde INICIO para "
            "volver a recibirlos.",
            "start": "{store}: vuelves a recibir avisos de envío por SMS. Responde ALTO para "
            "darte de baja.",
            "opted_in": "Hecho: te enviaré por SMS las novedades de tus paquetes al {phone}. "
            "Responde ALTO a cualquier SMS para dejar de recibirlos.",
            "invalid": "Ese número no parece un móvil al que pueda escribir. Envíamelo con el "
            "prefijo del país, por ejemplo +34 612 345 678.",
            "ask": "¿A qué número de móvil te envío las novedades? Escríbelo con el prefijo del "
            "país, por ejemplo +34 612 345 678.",
            "stopped": "Ese número se dio de baja de nuestros SMS. Para volver a recibirlos, "
            "envíanos INICIO desde ese teléfono.",
            "unavailable": "Lo siento, no enviamos novedades por SMS. Te seguiré informando "
            "por aquí.",
        },
        "fr": {
            "button": "Suivi par SMS",
            "welcome": "{store} : vous recevrez des SMS sur vos colis. Des frais de messagerie "
            "peuvent s'appliquer. Répondez AIDE pour de l'aide, STOP pour vous "
            "désabonner.",
            "footer": "Répondez STOP pour vous désabonner.",
            "help": "{store} : suivi de colis par SMS. Répondez STOP pour vous désabonner, "
            "DEMARRER pour vous réabonner.",
            "stop": "{store} : vous êtes désabonné et ne recevrez plus de SMS. Répondez "
            "DEMARRER pour vous réabonner.",
            "start": "{store} : vous recevez à nouveau le suivi de colis par SMS. Répondez STOP "
            "pour vous désabonner.",
            "opted_in": "C'est noté : je vous enverrai les nouvelles de vos colis par SMS au "
            "{phone}. Répondez STOP à n'importe quel SMS pour les arrêter.",
            "invalid": "Ce numéro ne ressemble pas à un mobile auquel je peux écrire. "
            "Envoyez-le avec l'indicatif du pays, par exemple +33 6 12 34 56 78.",
            "ask": "À quel numéro de mobile dois-je envoyer les nouvelles ? Indiquez-le avec "
            "l'indicatif du pays, par exemple +33 6 12 34 56 78.",
            "stopped": "Ce numéro s'est désabonné de nos SMS. Pour les recevoir à nouveau, "
            "envoyez-nous DEMARRER depuis ce téléphone.",
            "unavailable": "Désolé, nous n'envoyons pas de nouvelles par SMS. Je vous tiens "
            "au courant ici.",
        },
        "de": {
            "button": "Updates per SMS",
            "welcome": "{store}: Sie erhalten SMS zu Ihren Paketen. Es können Gebühren für "
            "Nachrichten anfallen. Antworten Sie HILFE für Hilfe, STOPP zum Abbestellen.",
            "footer": "Antworten Sie STOPP zum Abbestellen.",
            "help": "{store}: Paket-Updates per SMS. Antworten Sie STOPP zum Abbestellen oder "
            "START, um sie wieder zu erhalten.",
            "stop": "{store}: Sie sind abgemeldet und erhalten keine SMS mehr. Antworten Sie "
            "START, um sie wieder zu erhalten.",
            "start": "{store}: Sie erhalten wieder Paket-Updates per SMS. Antworten Sie STOPP "
            "zum Abbestellen.",
            "opted_in": "Erledigt: Ich schicke Ihnen Neuigkeiten zu Ihren Paketen per SMS an "
            "{phone}. Antworten Sie auf eine SMS mit STOPP, um sie zu beenden.",
            "invalid": "Das sieht nicht nach einer Handynummer aus, an die ich schreiben kann. "
            "Bitte senden Sie sie mit Ländervorwahl, z. B. +49 151 23456789.",
            "ask": "An welche Handynummer soll ich die Neuigkeiten schicken? Bitte mit "
            "Ländervorwahl, z. B. +49 151 23456789.",
            "stopped": "Diese Nummer hat unsere SMS abbestellt. Um sie wieder zu erhalten, "
            "senden Sie uns START von diesem Telefon.",
            "unavailable": "Leider verschicken wir keine Neuigkeiten per SMS. Ich halte Sie "
            "hier auf dem Laufenden.",
        },
        "pt": {
            "button": "Avisos por SMS",
            "welcome": "{store}: você receberá SMS sobre seus pacotes. Podem ser cobradas tarifas "
            "de mensagens. Responda AJUDA para ajuda, PARAR para cancelar.",
            "footer": "Responda PARAR para cancelar.",
            "help": "{store}: avisos de entrega por SMS. Responda PARAR para cancelar ou "
            "INICIAR para voltar a receber.",
            "stop": "{store}: você cancelou e não receberá mais SMS. Responda INICIAR para "
            "voltar a receber.",
            "start": "{store}: você voltou a receber avisos de entrega por SMS. Responda PARAR "
            "para cancelar.",
            "opted_in": "Pronto: vou enviar as novidades dos seus pacotes por SMS para {phone}. "
            "Responda PARAR a qualquer SMS para não receber mais.",
            "invalid": "Esse número não parece um celular para o qual eu possa escrever. Envie "
            "com o código do país, por exemplo +55 11 91234-5678.",
            "ask": "Para qual número de celular devo enviar as novidades? Envie com o código "
            "do país, por exemplo +55 11 91234-5678.",
            "stopped": "Esse número cancelou nossos SMS. Para voltar a receber, envie INICIAR "
            "para nós a partir desse telefone.",
            "unavailable": "Desculpe, não enviamos novidades por SMS. Vou te manter informado "
            "por aqui.",
        },
        "ar": {
            "button": "تحديثات بالرسائل",
            "welcome": "{store}: ستصلك رسائل قصيرة عن طرودك. قد تُطبق رسوم الرسائل. أرسل مساعدة "
            "للمساعدة أو توقف لإلغاء الاشتراك.",
            "footer": "أرسل توقف لإلغاء الاشتراك.",
            "help": "{store}: تحديثات الشحنات عبر الرسائل القصيرة. أرسل توقف لإلغاء الاشتراك "
            "أو ابدأ لاستئنافه.",
            "stop": "{store}: تم إلغاء اشتراكك ولن تصلك رسائل أخرى. أرسل ابدأ لاستئناف الاشتراك.",
            "start": "{store}: ستصلك تحديثات الشحنات عبر الرسائل القصيرة من جديد. أرسل توقف "
            "لإلغاء الاشتراك.",
            "opted_in": "تم: سأرسل تحديثات طرودك برسائل قصيرة إلى {phone}. أرسل توقف ردًا على "
            "أي رسالة لإيقافها.",
            "invalid": "لا يبدو هذا رقم جوال يمكنني مراسلته. أرسله مع رمز الدولة، مثل "
            "\u200e+966 50 123 4567.",
            "ask": "إلى أي رقم جوال أرسل التحديثات؟ أرسله مع رمز الدولة، مثل "
            "\u200e+966 50 123 4567.",
            "stopped": "ألغى هذا الرقم اشتراكه في رسائلنا. لاستئنافها، أرسل ابدأ إلينا من ذلك "
            "الهاتف.",
            "unavailable": "عذرًا، لا نرسل التحديثات برسائل قصيرة. سأبقيك على اطلاع هنا.",
        },
        "zh-Hans": {
            "button": "短信通知",
            "welcome": "{store}：您将收到包裹短信通知，可能产生短信费用。"
            "回复帮助获取帮助，回复退订停止接收。",
            "footer": "回复退订停止接收。",
            "help": "{store}：包裹短信通知。回复退订停止接收，回复订阅重新接收。",
            "stop": "{store}：您已退订，不会再收到短信。回复订阅可重新接收。",
            "start": "{store}：您已重新订阅包裹短信通知。回复退订停止接收。",
            "opted_in": "好的：我会把您包裹的最新动态通过短信发送到 {phone}。"
            "回复任意一条短信“退订”即可停止。",
            "invalid": "这看起来不是我可以发送短信的手机号码。请连同国家区号一起发送，"
            "例如 +86 131 2345 6789。",
            "ask": "请问要把动态发送到哪个手机号码？请连同国家区号一起发送，"
            "例如 +86 131 2345 6789。",
            "stopped": "该号码已退订我们的短信。如需重新接收，请用该手机向我们发送“订阅”。",
            "unavailable": "抱歉，我们不通过短信发送动态。我会继续在这里通知您。",
        },
        "zh-Hant": {
            "button": "簡訊通知",
            "welcome": "{store}：您將收到包裹簡訊通知，可能產生簡訊費用。"
            "回覆幫助取得說明，回覆退訂停止接收。",
            "footer": "回覆退訂停止接收。",
            "help": "{store}：包裹簡訊通知。回覆退訂停止接收，回覆訂閱重新接收。",
            "stop": "{store}：您已退訂，不會再收到簡訊。回覆訂閱可重新接收。",
            "start": "{store}：您已重新訂閱包裹簡訊通知。回覆退訂停止接收。",
            "opted_in": "好的：我會把您包裹的最新動態透過簡訊傳送到 {phone}。"
            "回覆任一則簡訊「退訂」即可停止。",
            "invalid": "這看起來不是我可以傳送簡訊的手機號碼。請連同國碼一起傳送，"
            "例如 +886 912 345 678。",
            "ask": "請問要把動態傳送到哪個手機號碼？請連同國碼一起傳送，例如 +886 912 345 678。",
            "stopped": "此號碼已退訂我們的簡訊。如需重新接收，請用該手機傳送「訂閱」給我們。",
            "unavailable": "抱歉，我們不透過簡訊傳送動態。我會繼續在這裡通知您。",
        },
    }
)


def _smallest(text: str) -> str:
    """`text` in GSM-7 lookalikes when that saves segments, else as it is."""
    if is_gsm7(text):
        return text
    plain = gsm7_lookalike(text)
    if plain is not None and count(plain).count < count(text).count:
        return plain
    return text


class SmsWording:
    """The SMS channel's texts; `store` names the shop, `clock` returns aware UTC time."""

    def __init__(self, catalogs: Catalogs, clock: Callable[[], datetime], store: str) -> None:
        self._catalogs = catalogs
        self._clock = clock
        self._store = store

    def language_of(self, language: str | None) -> str:
        resolved = self._catalogs.resolve(language)
        return resolved if resolved in PHRASES else "en"

    def phrase(self, language: str | None, key: str, **fields: str) -> str:
        """One fixed sentence (`PHRASES` keys) in the language, its fields filled in."""
        return PHRASES[self.language_of(language)][key].format(store=self._store, **fields)

    def keyword_reply(self, language: str | None, keyword: Keyword) -> str:
        return _smallest(self.phrase(language, keyword.value))

    def welcome(self, language: str | None) -> str:
        """The text that confirms an opt-in: who writes, what for, costs, HELP and STOP."""
        return truncate(_smallest(self.phrase(language, "welcome")), MAX_SEGMENTS)

    def update(self, language: str | None, shipment: Shipment) -> str:
        """An update's text: one segment when a form of it fits, at most MAX_SEGMENTS."""
        t = self._catalogs.translation(self.language_of(language))
        link = tracking_link(shipment)
        tail = (f" {link}" if link else "") + " " + self.phrase(language, "footer")
        store = self._store
        separator = "：" if t.language.startswith("zh") else ": "
        full = _smallest(f"{store}{separator}{update_sentence(t, shipment)}{tail}")
        if count(full).count == 1:
            return full
        brief = _smallest(f"{store}{separator}{shipment.number} {short_status(t, shipment)}.{tail}")
        if count(brief).count == 1 or count(full).count > MAX_SEGMENTS:
            return brief if count(brief).count <= MAX_SEGMENTS else truncate(brief, MAX_SEGMENTS)
        return full


__all__ = ["PHRASES", "SmsWording"]
