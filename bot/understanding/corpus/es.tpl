# Spanish. Written by the wismo team; see README.md in this folder.
@item = pedido | paquete | envío | compra | orden | pedidito | vestido | zapatillas | tenis | bolso | encargo | producto
@ago = 2 semanas | 10 días | una semana | un mes | 3 semanas | 5 días | dos semanas | más de una semana | 15 días
@hi = | hola | buenas | buenos días | buenas tardes | oye | hola buenas | disculpa
@pl = | por favor | porfa | xfa | gracias | ??? | !! | 🙏
@country = Brasil | México | Argentina | Chile | Colombia | España | Perú | Estados Unidos

== where_is_my_order status
{hi} ¿dónde está mi {item}? {pl}
{hi} donde esta mi {item}
dondeestamipaquete
onde ta mi {item}
dnd esta mi {item}
¿y mi {item}?
{hi} ¿alguna novedad de mi {item}? {pl}
¿me pueden decir dónde está mi {item}?
quiero saber el estado de mi {item}
¿cuál es el estado de mi {item}?
estado de mi {item} {pl}
¿ya enviaron mi {item}?
¿ya salió mi {item}?
¿mi {item} ya está en camino?
quiero rastrear mi {item}
¿cómo rastreo mi {item}?
seguimiento de {n}
{n}
{hi} {n}
{n} {pl}
{hi} mi número de seguimiento es {n}, ¿dónde está?
el pedido {n} dónde anda
¿qué pasa con mi {item}?
¿me pasan el número de seguimiento de mi {item}?
el link de seguimiento no funciona, ¿dónde está mi {item}?
dice en tránsito, ¿pero dónde está exactamente?
{hi} pedí un {item} hace {ago}, ¿dónde está?
¿mi {item} está en la aduana?
¿en qué oficina de correos está mi {item}?
quisiera revisar mis pedidos
solo llegó un paquete de los dos, ¿y el otro?
¿qué transportadora lleva mi {item}?
hola, my order {n} dónde está?
where is mi {item} porfa

== where_is_my_order delay
¡sigue sin llegar!
todavía nada!!
{ago} y nada
{ago} y sin noticias de mi {item}
ya pasaron {ago} y mi {item} no llega
mi {item} está retrasado
¿por qué tarda tanto mi {item}?
esto está tardando una eternidad
¿se perdió mi {item}?
¿está perdido mi paquete?
creo que mi {item} se perdió
mi {item} está atascado en la aduana
lleva {ago} parado en (aduana|tránsito|el centro de distribución)
el seguimiento no se mueve desde (el sábado|el lunes|la semana pasada)
sin movimiento desde hace {ago}
el seguimiento no se actualiza hace {ago}
debía llegar (ayer|la semana pasada|el viernes) y nada
quedamos en la entrega el martes y no se presentó nadie
pagué envío express y llevo {ago} esperando
sigo esperando mi {item} 😡
sigo esperando el pedido {n}
{n} lleva {ago} sin moverse
ya pasó la fecha estimada y nada
¿por qué no ha llegado mi {item}?
{hi} mi pedido {n} no ha llegado, ya van {ago}
nada todavía?? ya son {ago}
cambian la fecha de entrega todo el tiempo
¿hay algún retraso con mi {item}?
el repartidor nunca vino
esperé todo el día y nadie trajo el paquete

== where_is_my_order not_received
dice entregado pero no lo recibí
aparece como entregado pero no tengo nada
el seguimiento dice entregado y no me llegó nada
marcado como entregado pero aquí no está
dice que lo dejaron en la puerta y no hay nada
nunca recibí mi {item} pero dice entregado
{n} dice entregado pero no lo tengo
el repartidor dice que entregó y yo estuve en casa todo el día
¿lo entregaron en otra dirección? dice entregado y no llegó

== where_is_my_order returned
¿por qué devuelven mi paquete?
¿por qué mi {item} está siendo devuelto?
{n} ¿por qué lo devuelven al remitente?
el seguimiento dice devuelto al remitente, ¿qué pasó?
mi {item} va de vuelta a la tienda, ¿por qué?
¿por qué regresaron mi {item}?
el correo devolvió mi {item} al vendedor
dice 'en devolución', ¿qué significa?

== where_is_my_order delivery_time
¿cuándo llega mi {item}?
¿cuándo llega?
¿cuándo me llega el pedido?
¿cuánto tarda el envío?
¿cuánto tarda el envío a {country}?
¿cuántos días tarda en llegar a {country}?
¿cuál es el plazo de entrega?
¿cuál es el tiempo de entrega para {country}?
¿para cuándo está estimada la entrega de {n}?
si compro hoy, ¿cuándo llega?
¿llegará antes del viernes?
¿llega antes de navidad?
¿en cuánto tiempo me llega?
¿qué día me entregan mi {item}?
¿a qué hora pasa el repartidor?
¿cuántos días hábiles tarda?

== human
quiero hablar con una persona
¿puedo hablar con un humano?
pásame con un asesor
necesito hablar con alguien real
atención al cliente por favor
¿eres un bot? quiero una persona
comunícame con el encargado
llámenme por favor, es urgente
agente

== cancel_or_change hard
quiero cancelar mi pedido
cancela el pedido {n}
¿todavía puedo cancelar mi {item}?
cancélalo, tarda demasiado
me arrepentí, cancelen la compra
¿puedo cambiar la dirección de mi pedido?
necesito cambiar la dirección de entrega
la dirección del pedido {n} está mal, ¿la pueden corregir?
¿puedo cambiar la talla antes del envío?
¿me lo pueden mandar a otra dirección?
quiero agregar otro producto a mi pedido

== refund_or_return hard
quiero un reembolso
quiero que me devuelvan el dinero
¿cómo devuelvo mi {item}?
quiero devolver esto
¿dónde está mi reembolso?
nunca llegó, quiero un reembolso
llegó roto, quiero el reembolso
no me queda, quiero devolverlo
¿cuál es la política de devoluciones?
¿puedo cambiarlo por otra talla?
me llegó el producto equivocado, quiero devolverlo
devolví el {item} hace {ago}, ¿cuándo me devuelven el dinero?

== other hard
perdí mis facturas, ¿cómo las veo?
¿me pueden mandar la factura de mi pedido?
necesito la factura de {n}
me sale un error cuando intento pagar mi pedido
mi pago no pasó
me cobraron dos veces
¿puedo pagar con tarjeta?
¿aceptan pago contra entrega?
¿cómo me doy de baja del boletín? los mensajes del pedido sí los quiero
quiero ver el estado de mi suscripción al newsletter
no puedo entrar a mi cuenta
olvidé mi contraseña
¿cómo borro mi cuenta?
dice que hay stock
¿tienen este modelo en stock?
¿hay en talla M?
¿cuándo vuelve a estar disponible el negro?
¿lo tienen en azul?
¿qué talla me recomiendas?
¿cuánto cuesta el envío a {country}?
¿cuánto cuesta el {item}?
¿tienen código de descuento?
¿hacen envíos a {country}?
¿tienen tienda física?
¿de qué material es?
la página no carga

== greeting
hola
buenas
buenos días
buenas tardes
hola!!
holaa

== thanks
gracias
muchas gracias
mil gracias 🙏
gracias!!
perfecto, gracias
vale gracias

== stop_updates
para
basta
no me manden más mensajes
dejen de escribirme
ya no quiero recibir actualizaciones
darme de baja de las notificaciones

== other
ok
vale
sí
no
jaja
bueno
👍
me encanta la tienda
mi correo es ana.lopez@example.com

# --- más paráfrasis
@prod = sudadera | camiseta | funda | vestido | anillo | collar | chaqueta | taza | zapatillas
@envio = envío | la entrega | el despacho
== where_is_my_order status
(alguna|hay) (novedad|noticia|actualización) de mi {item}?
oye, ¿qué pasó con mi {prod}?
¿dónde puedo ver dónde está mi {item}?
¿tiene seguimiento mi {item}?
no me llegó ningún número de seguimiento
¿ya despacharon mi {prod}?
¿mi {prod} ya salió del almacén?
¿dónde anda mi {prod}?
¿me confirman si ya enviaron mi {item}?
necesito saber dónde está mi {item}
rastreo {n}
{n} estado?
{n}?
¿dónde está mi pedido? número {n}
¿mi {item} llega hoy?
¿mi {item} sigue en (China|el almacén|aduana)?
consulta sobre mi {item}, ¿dónde está?
ke onda con mi pedido
donde esta mi paquete??? {pl}
== where_is_my_order delay
(todavía|aún|sigo) (nada|sin nada|esperando) {pl}
hace (siglos|semanas|un mes) y nada
¿por qué tarda (tanto|una eternidad|semanas)?
ya van {ago} y no llega mi {prod}
llevo {ago} esperando una {prod}, en serio?
el rastreo no se mueve desde (el lunes|el viernes|hace días)
lleva {ago} en (tránsito|aduana|el centro de distribución)
mi {item} está (retrasado|demorado|perdido|atascado) (otra vez|)
¿se perdió en el correo?
¿hay algún problema? mi pedido va muy tarde
ni rastro de mi {prod}
ya debería haber llegado
dos semanas y sin actualización 😡
== where_is_my_order delivery_time
¿cuándo (llega|me llega|va a llegar|entregan) (mi {item}|el {prod}|)?
¿cuánto (tarda|demora) (el envío|la entrega|en llegar) a {country}?
¿cuántos días demora {envio}?
¿cuál es la fecha estimada de entrega?
¿en cuántos días llega a {country}?
¿para cuándo llega mi {prod}?
¿cuánto demora en llegar si compro hoy?
¿llega esta semana?
¿llega mañana?
¿cuándo despachan y cuándo llega?
¿qué tan rápido es el envío a {country}?
== other hard
@pago = tarjeta | PayPal | transferencia | Mercado Pago | efectivo | Bizum
¿cuánto cuesta {envio} a {country}?
¿el envío es gratis?
¿puedo pagar con {pago}?
mi pago con {pago} falló
no me deja pagar con la tarjeta
pagué pero no me llegó el correo de confirmación
¿me mandan copia de la factura?
necesito factura a nombre de mi empresa
¿cómo cambio mis datos de facturación?
¿cómo restablezco mi contraseña?
no puedo iniciar sesión
¿cómo me doy de baja de los correos?
¿la {prod} está disponible en (negro|blanco|talla L|talla S)?
¿volverá a haber stock de la {prod}?
agotado?? ¿cuándo vuelve?
¿la {prod} viene en otros colores?
¿cuánto mide la {prod}?
¿cuál es el precio de la {prod}?
¿tienen ofertas?
¿hacen envíos internacionales?
¿qué paquetería usan?
¿cuál es el estado de mi solicitud de garantía?
quiero ver mis puntos de fidelidad
¿venden tarjetas de regalo?
¿a qué hora abren?
== refund_or_return hard
¿me pueden devolver el dinero de la {prod}?
¿cómo devuelvo la {prod}?
la {prod} es de otra talla, ¿la puedo devolver?
reembolso del pedido {n} por favor
mi reembolso de {n} no ha llegado
¿cuándo me llega el reembolso?
quiero cambiar la {prod}
la {prod} llegó dañada, ¿qué hago?
ya la devolví, ¿les llegó mi devolución?
== cancel_or_change hard
cancelen mi pedido por favor
quiero cancelar la {prod}
¿pueden cancelar el {n}?
me equivoqué de talla, ¿la puedo cambiar?
necesito actualizar la dirección del pedido {n}
puse mal la dirección, ¿la pueden cambiar?
¿pueden mandarlo a mi trabajo?
¿puedo cambiar la fecha de entrega?
pedí dos veces por error, cancelen uno
== human
quiero hablar con (atención al cliente|una persona|alguien|el gerente|un humano)
¿alguien me puede llamar?
necesito una persona de verdad, no un bot
comunícame con un agente
hablar con alguien
== greeting
(hola|holi|buenas|hey) (a todos|equipo|chicos|) (!|👋|)
buen(os días| día|as tardes|as noches)
holaaa
== thanks
(gracias|muchas gracias|mil gracias|grax) (!|!!|🙏|❤️|)
(perfecto|genial|listo|vale|ok) (gracias|muchas gracias)
gracias por la ayuda
se agradece
== stop_updates
(deja|dejen) de (mandarme|enviarme) (mensajes|notificaciones)
no quiero (más|estos) mensajes
dame de baja
ya no me manden actualizaciones
== other
(ok|okey|vale|dale|listo) (👍|!|)
(sí|si|no|claro|tal vez)
jajaja 😂
qué bonito!
entendido
ah ok
perdón, chat equivocado
nada, olvídalo
solo estoy mirando
mi teléfono es 555 0134

# --- tercera ronda
== where_is_my_order status
¿dónde está?
¿y mi pedido??
mi pedido porfa
¿ya lo mandaron?
¿ya salió?
¿ya lo enviaron o no?
¿me das el número de seguimiento?
¿con qué paquetería va?
quiero saber cómo va mi pedido
¿me actualizan sobre mi pedido?
¿qué onda con mi encargo?
¿cuál es el estado de mi pedido?
revisen mi pedido por favor
necesito saber el estado de mi envío
== where_is_my_order delay
sin movimiento desde (el sábado|el domingo|el fin de semana|anoche)
no se actualiza desde (el lunes|hace una semana|el viernes)
está atrasado
muy atrasado
sigo esperando...
todavía no llega
todavía no llega!! {ago}
nunca llegó
no ha llegado todavía
ya debería estar aquí
esto es inaceptable, {ago} sin paquete
¿perdieron mi paquete?
mi paquete desapareció
falta mi paquete
== where_is_my_order not_received
me llegó aviso de entrega pero no hay paquete
dice entregado pero no me llegó nada
figura como entregado y no lo tengo
supuestamente entregado pero no tengo nada
¿lo entregaron a otra persona? dice entregado
entregado pero no recibido
== where_is_my_order delivery_time
¿tiempo de entrega?
¿tiempo de envío?
¿cuánto tarda?
¿cuánto tarda en llegar?
¿cuándo lo recibo?
¿cuándo me llega?
¿fecha estimada de llegada?
¿en cuánto llega a {country}?
¿cuántos días tarda el envío a {country}?
¿cuánto tiempo de envío a {country}?
¿cuánto demora el envío?
== other hard
¿dónde está mi recibo?
no me llegó el correo de confirmación del pedido
¿me reenvían la confirmación?
¿cuál es el estado de mi (solicitud|queja|reclamo|ticket|verificación de cuenta)?
¿cuál es el estado de mi suscripción?
quiero saber mis puntos
¿cuánto saldo tiene mi tarjeta de regalo?
¿dónde pongo el código de descuento?
¿dónde está la guía de tallas?
¿dónde está su tienda?
¿desde dónde envían?
¿el envío es gratis?
¿cuánto cuesta el envío express?
¿entregan los fines de semana?
¿puedo recogerlo en tienda?
quiero cambiar mi teléfono en la cuenta
cambiar contraseña
me cobraron pero el pedido no se hizo
error al pagar
factura por favor
¿está disponible?
¿hay en XL?
¿cuándo reponen?
¿está agotado?
¿qué colores hay?
== refund_or_return hard
quiero devolverlo
¿cómo devuelvo?
reembolso por favor
¿reembolso?
quiero mi dinero, llegó roto
¿dónde está mi reembolso? ya pasaron {ago}
mándenme la etiqueta de devolución
== cancel_or_change hard
cancelar por favor
cancela mi pedido
¿puedo cancelar?
cambiar dirección por favor
nueva dirección: Calle Mayor 5, ¿la actualizan?
¿puedo modificar mi pedido?
cambien la talla a L por favor
== human
un asesor por favor
humano
con una persona por favor
servicio al cliente
¿puedo hablar con alguien?
== greeting
hola!
buenas!
holi
qué tal
== thanks
gracias!!
grax
se agradece
ok gracias
gracias 😊
== stop_updates
no más mensajes por favor
desactiven las notificaciones
no me escriban más
== other
❤️
😊
dale
de acuerdo
está bien
no pasa nada
todo bien
chao

# --- cuarta ronda
== where_is_my_order status
¿dónde anda mi {prod}?
¿dónde quedó mi {prod}?
¿cuál es el estado de mi (pedido|envío|paquete|compra)?
¿en qué va mi pedido?
¿mi {prod} ya va en camino?
¿con qué empresa va mi paquete?
quiero saber dónde quedó mi compra
== where_is_my_order not_received
entregado pero no recibido
me marca entregado y no lo recibí
== other hard
¿dónde está mi (recibo|factura|ticket de compra)?
¿cuál es el estado de mi (solicitud|queja|reclamo|garantía)?
¿qué paquetería usan para los envíos?
¿entregan los domingos?
quiero consultar mis puntos
¿cuántos puntos tengo?
¿dónde veo mis facturas?
== refund_or_return hard
¿dónde está mi reembolso? ya pasaron {ago}
¿cuándo me devuelven el dinero?
todavía no me llega el reembolso
== cancel_or_change hard
quiero agregar (otro producto|una camiseta|algo más) a mi pedido
¿puedo añadir algo al pedido?
== thanks
se agradece mucho
muy amable, gracias

# --- quinta ronda: productos en preguntas de seguimiento
== where_is_my_order status
¿dónde está mi {prod}?
¿y mi {prod}? ¿ya lo enviaron?
¿cuándo enviaron mi {prod}?
compré una {prod} y no sé dónde está
¿mi {prod} ya salió?
¿cuál es el estado de mi {prod}?
== where_is_my_order delay
mi {prod} no llega
mi {prod} lleva {ago} de retraso
¿por qué no llega mi {prod}?
== refund_or_return hard
¿y mi reembolso? ya van {ago}
el reembolso no llega, ya pasaron {ago}
llevo {ago} esperando el reembolso
== human
pásame con (el encargado|un supervisor|alguien de la tienda)
== other hard
me aparece un mensaje de error cuando intento pagar el pedido
el pago de mi pedido da error
sale error al pagar con tarjeta
