# Portuguese. Written by the wismo team; see README.md in this folder.
@item = pedido | encomenda | pacote | compra | kindle | tênis | vestido | bolsa | produto | encomendinha
@ago = 2 semanas | 10 dias | uma semana | um mês | 3 semanas | 5 dias | duas semanas | 20 dias
@hi = | oi | olá | bom dia | boa tarde | ei | oii | com licença
@pl = | por favor | pfv | pf | obrigado | obrigada | ??? | !! | 🙏
@country = Portugal | o Brasil | Angola | São Paulo | o Rio | Moçambique

== where_is_my_order status
{hi} cadê meu {item}? {pl}
{hi} cadê minha encomenda?
cade o meu {item}
{hi} onde está o meu {item}?
onde ta meu {item}
e o meu {item}, vai mandar quando?
e o meu {item}?
{hi} alguma novidade do meu {item}? {pl}
qual o status do meu {item}?
quero saber a situação do meu {item}
vocês já enviaram meu {item}?
meu {item} já saiu?
meu {item} já está a caminho?
como rastreio meu {item}?
quero rastrear minha encomenda
rastreio {n}
{n}
{hi} {n}
{n} {pl}
{hi} meu código de rastreio é {n}, onde está?
pedido {n} cadê
o que aconteceu com meu {item}?
me passa o código de rastreio do meu {item}
o link de rastreio não funciona, cadê meu {item}?
{hi} comprei um {item} há {ago}, onde está?
a encomenda está na alfândega?
meu {item} está nos correios?
só chegou um dos dois pacotes, cadê o outro?
qual transportadora está levando meu {item}?
onde está my order {n}?
cadê o pedido {n} please

== where_is_my_order delay
ainda nada!!
até agora nada
{ago} e nada
{ago} e nenhuma atualização
já faz {ago} e meu {item} não chegou
meu {item} está atrasado
por que meu {item} está demorando tanto?
isso está demorando demais
meu {item} se perdeu?
será que perderam minha encomenda?
meu {item} está parado na alfândega
está parado há {ago} (na alfândega|em trânsito|no centro de distribuição)
o rastreio não atualiza desde (sábado|segunda|semana passada)
sem movimentação há {ago}
era pra chegar (ontem|semana passada|sexta) e nada
paguei frete expresso e já são {ago}
continuo esperando meu {item} 😡
ainda esperando o pedido {n}
{n} está parado há {ago}
a previsão de entrega já passou e nada
por que meu {item} ainda não chegou?
{hi} meu pedido {n} não chegou, já faz {ago}
o entregador nunca apareceu
combinamos a entrega ontem mas ninguém veio
a data de entrega fica mudando

== where_is_my_order not_received
consta como entregue mas não recebi nada
diz entregue mas não chegou nada aqui
o rastreio diz entregue e eu não recebi
marcado como entregue mas não está aqui
nunca recebi meu {item} mas diz entregue
{n} consta entregue mas não recebi
o entregador diz que entregou e eu fiquei em casa o dia todo

== where_is_my_order returned
por que meu {item} está sendo devolvido?
por que estão devolvendo minha encomenda?
{n} por que voltou para o remetente?
o rastreio diz devolvido ao remetente, o que houve?
meu {item} está voltando para a loja, por quê?
os correios devolveram meu {item}, por quê?

== where_is_my_order delivery_time
quando chega meu {item}?
quando chega?
quando vai chegar minha encomenda?
quanto tempo demora o envio?
quanto tempo demora pra chegar em {country}?
quantos dias pra entregar em {country}?
qual o prazo de entrega?
qual é o prazo para {country}?
qual a previsão de entrega do {n}?
se eu comprar hoje, quando chega?
chega antes do natal?
vai chegar até sexta?
em quantos dias úteis chega?
que dia vão entregar meu {item}?

== human
quero falar com um atendente
posso falar com uma pessoa?
quero falar com um humano
me passa pra alguém de verdade
você é um robô? quero uma pessoa
atendimento humano por favor
me liga por favor, é urgente

== cancel_or_change hard
quero cancelar meu pedido
cancela o pedido {n}
ainda dá pra cancelar?
cancela, está demorando demais
desisti, cancelem a compra
posso mudar o endereço do pedido?
preciso trocar o endereço de entrega
o endereço do pedido {n} está errado, podem corrigir?
posso trocar o tamanho antes do envio?
quero adicionar mais um item no pedido

== refund_or_return hard
quero reembolso
quero meu dinheiro de volta
como devolvo meu {item}?
quero devolver
cadê meu reembolso?
nunca chegou, quero o reembolso
chegou quebrado, quero reembolso
não serviu, quero devolver
qual a política de troca?
posso trocar por outro tamanho?
veio o produto errado, quero devolver
devolvi o {item} há {ago}, quando recebo o dinheiro?

== other hard
perdi minhas notas fiscais, como vejo?
podem mandar a nota fiscal do meu pedido?
preciso da nota fiscal do {n}
dá erro quando tento pagar o pedido
meu pagamento não foi aprovado
fui cobrado duas vezes
posso pagar no pix?
aceitam boleto?
quero ver o status da minha inscrição na newsletter
não consigo entrar na minha conta
esqueci minha senha
como excluo minha conta?
diz que tem em estoque
tem esse em estoque?
tem no tamanho M?
quando volta o preto?
tem em azul?
qual tamanho eu pego?
quanto custa o frete para {country}?
quanto custa o {item}?
tem cupom de desconto?
vocês entregam em {country}?
o site não carrega

== greeting
oi
olá
bom dia
boa tarde
oii
e aí

== thanks
obrigado
obrigada
muito obrigado!
valeu
brigado 🙏
perfeito, obrigada

== stop_updates
pare
chega
parem de mandar mensagens
não quero mais atualizações
cancelar notificações
não me mandem mais mensagens

== other
ok
tá
sim
não
kkkk
beleza
👍
amei a loja
meu email é joao.silva@example.com

# --- mais paráfrases
@prod = moletom | camiseta | capinha | vestido | anel | colar | jaqueta | caneca | tênis
== where_is_my_order status
(alguma|tem) (novidade|notícia|atualização) do meu {item}?
ei, o que houve com meu {prod}?
onde vejo onde está meu {item}?
meu {item} tem rastreio?
não recebi código de rastreio nenhum
já despacharam meu {prod}?
meu {prod} já saiu do estoque?
cadê meu {prod}?
podem confirmar se meu {item} foi enviado?
preciso saber onde está meu {item}
rastreamento {n}
{n} status?
{n}?
cadê meu pedido? número {n}
meu {item} chega hoje?
meu {item} ainda está (na China|no estoque|na alfândega)?
a encomenda {n} está na alfândega
kd meu pedido
cade minha encomenda??? {pl}
== where_is_my_order delay
(ainda|até agora|continuo) (nada|esperando|sem nada) {pl}
faz (séculos|semanas|um mês) e nada
por que está demorando (tanto|uma eternidade|semanas)?
já são {ago} e meu {prod} não chega
esperando {ago} por um {prod}, sério?
o rastreio não se mexe desde (segunda|sexta|dias)
está há {ago} (em trânsito|na alfândega|no centro de distribuição)
meu {item} está (atrasado|perdido|parado) (de novo|)
se perdeu nos correios?
tem algum problema? meu pedido está muito atrasado
nem sinal do meu {prod}
já era pra ter chegado
duas semanas e sem atualização 😡
== where_is_my_order delivery_time
quando (chega|vai chegar|entregam) (meu {item}|o {prod}|)?
quanto tempo (demora|leva) (o envio|a entrega|pra chegar) (em|para) {country}?
quantos dias leva a entrega?
qual a data prevista de entrega?
em quantos dias chega em {country}?
pra quando é a entrega do meu {prod}?
chega essa semana?
chega amanhã?
o frete é rápido? quantos dias?
== other hard
@pag = cartão | pix | boleto | PayPal | transferência
quanto custa o frete para {country}?
o frete é grátis?
posso pagar com {pag}?
meu pagamento no {pag} falhou
o site não aceita meu cartão
paguei mas não recebi o email de confirmação
podem mandar a segunda via da nota fiscal?
preciso de nota fiscal no CNPJ
como redefino minha senha?
não consigo fazer login
como saio da lista de emails?
o {prod} tem em (preto|branco|tamanho G|tamanho P)?
vai voltar o estoque do {prod}?
esgotado?? quando volta?
o {prod} vem em outras cores?
qual o tamanho do {prod}?
qual o preço do {prod}?
tem promoção?
vocês enviam para fora do Brasil?
qual transportadora vocês usam?
qual o status da minha solicitação de garantia?
quero ver meus pontos de fidelidade
vendem vale-presente?
que horas abre a loja?
== refund_or_return hard
podem me devolver o dinheiro do {prod}?
como devolvo o {prod}?
o {prod} veio no tamanho errado, posso devolver?
reembolso do pedido {n} por favor
meu reembolso do {n} não caiu
quando cai o estorno?
quero trocar o {prod}
o {prod} chegou danificado, e agora?
já devolvi, vocês receberam a devolução?
== cancel_or_change hard
cancelem meu pedido por favor
quero cancelar o {prod}
podem cancelar o {n}?
errei o tamanho, posso trocar?
preciso atualizar o endereço do pedido {n}
coloquei o endereço errado, podem mudar?
podem mandar pro meu trabalho?
comprei duas vezes sem querer, cancela um
== human
quero falar com (o atendimento|uma pessoa|alguém|o gerente|um humano)
alguém pode me ligar?
preciso de uma pessoa de verdade, não um robô
me transfere pra um atendente
falar com alguém
== greeting
(oi|olá|oie|eai) (pessoal|gente|equipe|) (!|👋|)
bo(m dia|a tarde|a noite)
oiii
== thanks
(obrigado|obrigada|valeu|brigado|muito obrigado) (!|!!|🙏|❤️|)
(perfeito|ótimo|beleza|ok) (obrigado|obrigada|valeu)
obrigada pela ajuda
agradeço
== stop_updates
(para|parem) de (me mandar|enviar) (mensagens|notificações)
não quero (mais|essas) mensagens
me descadastra
não me mandem mais atualizações
== other
(ok|tá bom|beleza|blz|certo) (👍|!|)
(sim|não|claro|talvez)
kkkkk 😂
que lindo!
entendi
ah tá
desculpa, chat errado
deixa pra lá
só olhando
meu telefone é 555 0134

# --- quarta rodada
== where_is_my_order returned
o rastreio diz (devolvido ao remetente|em devolução|retornando ao remetente), o que houve?
por que meu pedido voltou?
== where_is_my_order delivery_time
qual é o prazo (para|pra) {country}?
qual o prazo de entrega (para|pra) {country}?
== where_is_my_order delay
continuo sem nada
continuo sem receber nada
== other hard
quero ver meus pontos
quantos pontos eu tenho?
== cancel_or_change hard
podem mandar (pro meu trabalho|pra outro endereço|pra casa da minha mãe)?
== refund_or_return hard
posso trocar por outro (tamanho|modelo|cor)?
== where_is_my_order status
cadê (meu|o) {prod}?
(meu|o) {prod} já foi enviado?
== other hard
aparece uma mensagem de erro quando tento pagar meu pedido
o pagamento do pedido dá erro
